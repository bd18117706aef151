import { spawn, type ChildProcess } from 'node:child_process'

/** Every child a test helper started, so a crashed test run still stops them. */
const started = new Set<ChildProcess>()

process.once('exit', () => {
  for (const child of started) {
    if (child.exitCode === null && child.pid) {
      try { process.kill(child.pid, 'SIGKILL') } catch { /* already gone */ }
    }
  }
})

export interface SpawnedProcess {
  child: ChildProcess
  pid: number
  output: () => string
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>
  /** Send a signal to this process only (by its PID) and wait for it to exit. */
  stop: (signal?: NodeJS.Signals, timeoutMs?: number) => Promise<number | string>
}

export function spawnTracked (command: string, args: string[], opts: { env?: NodeJS.ProcessEnv, cwd?: string } = {}): SpawnedProcess {
  const child = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  started.add(child)
  let out = ''
  child.stdout?.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { out += d.toString() })
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      started.delete(child)
      resolve(code ?? signal ?? 'unknown')
    })
    child.once('error', (err) => {
      started.delete(child)
      out += `spawn error: ${err.message}\n`
      resolve('spawn-error')
    })
  })
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<number | string> => {
    if (child.exitCode !== null || child.signalCode !== null) return await exited
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    const result = await exited
    clearTimeout(timer)
    return result
  }
  if (!child.pid) throw new Error(`could not start ${command}`)
  return { child, pid: child.pid, output: () => out, exited, stop }
}
