import { spawn } from 'node:child_process'
import { SIAR_BIN, waitFor } from '@siar/testing'

export interface Run {
  code: Promise<number | null>
  stdout: () => string
  stderr: () => string
  /** Resolves once stderr (or stdout) contains `text`. */
  waitFor: (text: string | RegExp, timeoutMs?: number) => Promise<void>
  kill: () => void
  signal: (sig: NodeJS.Signals) => void
}

/** Start a command (the built `siar` CLI by default) with a bounded lifetime. */
export function start (command: string, args: string[], opts: { stdin?: string | Buffer, timeoutMs?: number } = {}): Run {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  const chunks: Buffer[] = []
  let err = ''
  child.stdout.on('data', (d: Buffer) => { chunks.push(d) })
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  if (opts.stdin !== undefined) child.stdin.end(opts.stdin)
  else child.stdin.end()
  // A hung CLI fails its test instead of the whole file.
  const guard = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000)
  const code = new Promise<number | null>((resolve) => {
    child.once('close', (c) => { clearTimeout(guard); resolve(c) })
  })
  return {
    code,
    stdout: () => Buffer.concat(chunks).toString(),
    stderr: () => err,
    waitFor: async (text, timeoutMs = 10_000) => {
      await waitFor(() => {
        const all = err + Buffer.concat(chunks).toString()
        if (child.exitCode !== null && !(typeof text === 'string' ? all.includes(text) : text.test(all))) {
          throw new Error(`exited ${child.exitCode}: ${all}`)
        }
        return typeof text === 'string' ? all.includes(text) : text.test(all)
      }, `${JSON.stringify(String(text))} from ${command} ${args.join(' ')}`, timeoutMs)
    },
    kill: () => { if (child.exitCode === null) child.kill('SIGTERM') },
    signal: (sig) => { if (child.exitCode === null) child.kill(sig) }
  }
}

export const siar = (args: string[], opts?: { stdin?: string | Buffer, timeoutMs?: number }): Run => start(process.execPath, [SIAR_BIN, ...args], opts)

/** Run to completion. */
export async function run (args: string[], opts?: { stdin?: string | Buffer, timeoutMs?: number }): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const r = siar(args, opts)
  const code = await r.code
  return { code, stdout: r.stdout(), stderr: r.stderr() }
}

/** `siar sub … -d`, resolved once it has its SUBACK, so a publish after it cannot be missed. */
export async function subscribed (args: string[]): Promise<Run> {
  const r = siar(['sub', '-d', ...args])
  await r.waitFor('subscribed to ')
  return r
}
