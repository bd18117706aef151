import { getFreePort, SIAR_BIN, spawnTracked, waitFor, type SpawnedProcess } from '@siar/testing'

/**
 * One broker node of a simulated deployment: `siar start` as its own process
 * with a fixed node id, so it can be stopped with SIGTERM and started again as
 * the same node (like a pod replaced by a rolling update). It keeps its ports
 * across restarts unless another program took one meanwhile; then it moves to
 * new ones, as a new pod gets a new address (read `port` after `start`).
 */
export interface BrokerNode {
  id: string
  readonly port: number
  readonly httpPort: number
  process: () => SpawnedProcess | undefined
  start: () => Promise<void>
  /** SIGTERM (what Kubernetes sends) and wait for the exit; resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | string>
}

const START_ATTEMPTS = 3

export async function createBrokerNode (opts: { id: string, args: string[], env?: Record<string, string> }): Promise<BrokerNode> {
  let port = await getFreePort()
  let httpPort = await getFreePort()
  let proc: SpawnedProcess | undefined

  const startOnce = async (): Promise<void> => {
    proc = spawnTracked(process.execPath, [
      SIAR_BIN, 'start', '--host', '127.0.0.1', '--port', String(port), '--ws-port', '0', '--http-port', String(httpPort),
      '--node-id', opts.id, ...opts.args
    ], { env: { ...process.env, SIAR_LOG_LEVEL: 'warn', ...opts.env } })
    const started = proc
    // Fail at once, with the node's output, if it exits instead of becoming ready.
    const exitedEarly = started.exited.then((code) => { throw new Error(`node ${opts.id} exited (${String(code)}): ${started.output().slice(-500)}`) })
    exitedEarly.catch(() => { /* raced below */ })
    const url = `http://127.0.0.1:${httpPort}/readyz`
    await Promise.race([exitedEarly, waitFor(async () => (await fetch(url)).status === 200, `node ${opts.id} to be ready on port ${port}`, 20_000, 50)])
  }

  const start = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await startOnce()
        return
      } catch (err) {
        if (attempt >= START_ATTEMPTS || !/already in use/.test((err as Error).message)) throw err
        port = await getFreePort()
        httpPort = await getFreePort()
      }
    }
  }

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> => {
    if (!proc) return 'not started'
    return await proc.stop(signal, 20_000)
  }

  return {
    id: opts.id,
    get port () { return port },
    get httpPort () { return httpPort },
    process: () => proc,
    start,
    stop
  }
}

/** True when the built CLI's `siar start` has this flag (features land at different times). */
export async function startHasFlag (flag: string): Promise<boolean> {
  const help = spawnTracked(process.execPath, [SIAR_BIN, 'start', '--help'])
  await help.exited
  return help.output().includes(flag)
}
