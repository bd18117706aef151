import { execFile, execFileSync } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { spawnTracked, type SpawnedProcess } from '@siar/testing'

/**
 * A network namespace joined to this one by a veth pair, with addresses from
 * the documentation range 198.51.100.0/24 (RFC 5737): a LAN that exists only
 * for one test. Each namespace takes its own /30 so test files can run side
 * by side; `ip netns add` failing on an existing name is the allocation lock.
 */
export interface TestNetns {
  name: string
  /** Our side of the veth pair. */
  hostAddress: string
  /** The namespace's side: the "LAN address" of a broker started inside. */
  nsAddress: string
  /** Start a long-running process inside the namespace (stopped by the cleanup). */
  spawn: (command: string, args: string[], env?: NodeJS.ProcessEnv) => SpawnedProcess
  /** Run a command inside the namespace to completion. */
  run: (command: string, args: string[], env?: NodeJS.ProcessEnv) => Promise<{ code: number, stdout: string, stderr: string }>
}

/** Why namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailable (): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux only'
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root'
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' })
  } catch {
    return 'the ip command (iproute2) is missing'
  }
  return undefined
}

const ip = (...args: string[]): void => { execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] }) }

export async function createTestNetns (t: { after: (fn: () => Promise<void> | void) => void }): Promise<TestNetns> {
  let block = -1
  let name = ''
  for (let attempt = 0; attempt < 20 && block < 0; attempt++) {
    const k = randomInt(1, 63)
    try {
      ip('netns', 'add', `siar-t${k}`)
      block = k
      name = `siar-t${k}`
    } catch { /* taken by a parallel test file: try another block */ }
  }
  if (block < 0) throw new Error('no free test network namespace block')
  const hostIf = `vsiar${block}h`
  const nsIf = `vsiar${block}n`
  const hostAddress = `198.51.100.${block * 4 + 1}`
  const nsAddress = `198.51.100.${block * 4 + 2}`
  const children: SpawnedProcess[] = []
  const cleanup = (): void => {
    try { ip('link', 'del', hostIf) } catch { /* gone with the namespace */ }
    try { ip('netns', 'del', name) } catch { /* already deleted */ }
  }
  // A crashed test run must not leave namespaces behind.
  process.once('exit', cleanup)
  t.after(async () => {
    for (const child of children) await child.stop('SIGTERM')
    cleanup()
    process.off('exit', cleanup)
  })
  ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf)
  ip('link', 'set', nsIf, 'netns', name)
  ip('addr', 'add', `${hostAddress}/30`, 'dev', hostIf)
  ip('link', 'set', hostIf, 'up')
  ip('netns', 'exec', name, 'ip', 'addr', 'add', `${nsAddress}/30`, 'dev', nsIf)
  ip('netns', 'exec', name, 'ip', 'link', 'set', nsIf, 'up')
  ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up')

  return {
    name,
    hostAddress,
    nsAddress,
    // `ip netns exec` execs the command, so the PID we hold is the command's own.
    spawn: (command, args, env) => {
      const child = spawnTracked('ip', ['netns', 'exec', name, command, ...args], { env: { ...process.env, ...env } })
      children.push(child)
      return child
    },
    run: async (command, args, env) => await new Promise((resolve) => {
      execFile('ip', ['netns', 'exec', name, command, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0
        resolve({ code, stdout: String(stdout), stderr: String(stderr) })
      })
    })
  }
}
