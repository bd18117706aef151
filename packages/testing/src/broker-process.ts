import { fileURLToPath } from 'node:url'
import { getFreePort } from './free-port.js'
import { spawnTracked, type SpawnedProcess } from './processes.js'
import { waitFor } from './wait-for.js'

/** The built CLI entry (npm test builds first). */
export const SIAR_BIN = fileURLToPath(new URL('../../cli/bin/siar.js', import.meta.url))

export interface BrokerProcess {
  port: number
  wsPort: number
  httpPort: number
  mqttUrl: string
  httpUrl: string
  process: SpawnedProcess
  stop: (signal?: NodeJS.Signals) => Promise<number | string>
}

/** Attempts when a free port was taken by a parallel test between finding it and binding it. */
const PORT_RACE_ATTEMPTS = 4

/** `siar start` as a separate process on free ports; resolves once /readyz says ready. */
export async function startBrokerProcess (opts: { args?: string[], env?: Record<string, string> } = {}): Promise<BrokerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts)
    } catch (err) {
      if (attempt >= PORT_RACE_ATTEMPTS || !/already in use/.test((err as Error).message)) throw err
    }
  }
}

async function startOnce (opts: { args?: string[], env?: Record<string, string> }): Promise<BrokerProcess> {
  const port = await getFreePort()
  const wsPort = await getFreePort()
  const httpPort = await getFreePort()
  const proc = spawnTracked(process.execPath, [
    SIAR_BIN, 'start', '--port', String(port), '--ws-port', String(wsPort), '--http-port', String(httpPort),
    ...(opts.args ?? [])
  ], { env: { ...process.env, SIAR_LOG_LEVEL: 'warn', ...opts.env } })
  const httpUrl = `http://127.0.0.1:${httpPort}`
  // waitFor retries through errors, so an early exit is raced separately: fail at once, with the output.
  let ready = false
  const exitedEarly = proc.exited.then((code) => {
    if (!ready) throw new Error(`broker exited early (${code}): ${proc.output()}`)
  })
  await Promise.race([exitedEarly, waitFor(async () => {
    const res = await fetch(`${httpUrl}/readyz`)
    return res.status === 200
  }, `broker process on port ${port} to be ready`, 15_000, 50)])
  ready = true
  exitedEarly.catch(() => {})
  return { port, wsPort, httpPort, mqttUrl: `mqtt://127.0.0.1:${port}`, httpUrl, process: proc, stop: (signal) => proc.stop(signal) }
}
