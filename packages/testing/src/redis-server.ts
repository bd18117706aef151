import { connect } from 'node:net'
import { getFreePort } from './free-port.js'
import { spawnTracked, type SpawnedProcess } from './processes.js'
import { waitFor } from './wait-for.js'

export interface RedisServer {
  port: number
  url: string
  process: SpawnedProcess
  stop: (signal?: NodeJS.Signals) => Promise<void>
}

/**
 * A real redis-server (Debian package) on a free loopback port, with no
 * persistence to disk, for cluster tests. Stops with the test.
 */
export async function startRedis (opts: { port?: number, args?: string[] } = {}): Promise<RedisServer> {
  const port = opts.port ?? await getFreePort()
  const proc = spawnTracked('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--protected-mode', 'no', '--loglevel', 'warning', ...(opts.args ?? [])
  ])
  await waitFor(() => redisPing(port), `redis-server on port ${port} (output: ${proc.output().slice(-300)})`, 10_000, 50)
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: proc,
    stop: async (signal = 'SIGTERM') => { await proc.stop(signal) }
  }
}

/** True when Redis answers PING on that port (PONG, or NOAUTH from one with a password). */
export function redisPing (port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host })
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok) }
    socket.setTimeout(1000, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (d) => done(/^(\+PONG|-NOAUTH)/.test(d.toString())))
  })
}
