import { connect as tcpConnect } from 'node:net'
import { getFreePort, spawnTracked, startTestBroker, waitFor, type SpawnedProcess, type TestBroker } from '@siar/testing'

/** A broker the SDK tests run against: siar in-process, or Debian's mosquitto. */
export interface Backend {
  name: 'siar' | 'mosquitto'
  port: number
  url: string
  /** Stop the broker (clients see the connection drop). */
  stop: () => Promise<void>
  /** Start it again on the same port. */
  start: () => Promise<void>
  /** Stop for good (for t.after). */
  close: () => Promise<void>
}

export async function startSiarBackend (): Promise<Backend & { ws: () => TestBroker }> {
  let broker: TestBroker | null = await startTestBroker()
  const { port, wsPort, httpPort } = broker
  return {
    name: 'siar',
    port,
    url: broker.mqttUrl,
    ws: () => broker as TestBroker,
    stop: async () => {
      const b = broker
      broker = null
      await b?.close()
    },
    start: async () => {
      if (!broker) broker = await startTestBroker({ port, wsPort, httpPort })
    },
    close: async () => { await broker?.close(); broker = null }
  }
}

/** `mosquitto -p PORT`: Mosquitto 2 then listens on loopback only and allows anonymous clients. */
export async function startMosquittoBackend (): Promise<Backend> {
  const port = await getFreePort()
  let proc: SpawnedProcess | null = null
  const start = async (): Promise<void> => {
    if (proc) return
    const p = spawnTracked('mosquitto', ['-p', String(port)])
    proc = p
    // waitFor retries on a throw, so report an early exit as a value and throw after.
    const state = await waitFor(async () => p.child.exitCode !== null ? 'exited' : await canConnect(port) && 'up', `mosquitto on port ${port}`, 10_000, 25)
    if (state === 'exited') throw new Error(`mosquitto exited: ${p.output()}`)
  }
  const stop = async (): Promise<void> => {
    const p = proc
    proc = null
    await p?.stop('SIGTERM')
  }
  await start()
  return { name: 'mosquitto', port, url: `mqtt://127.0.0.1:${port}`, stop, start, close: stop }
}

export function canConnect (port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ port, host })
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => { socket.destroy(); resolve(false) })
  })
}

export const BACKENDS = [
  { name: 'siar', start: startSiarBackend },
  { name: 'mosquitto', start: startMosquittoBackend }
] as const
