import { createServer, type Server, type Socket } from 'node:net'
import { bindServer, displayHost, type ListenerInfo } from './bind.js'

export interface TcpListener {
  info: ListenerInfo
  server: Server
}

/** MQTT over plain TCP. `handle` is aedes' connection entry point. */
export async function startTcpListener (host: string, port: number, handle: (socket: Socket) => void): Promise<TcpListener> {
  const server = createServer({ noDelay: true }, handle)
  const bound = await bindServer(server, 'mqtt', host, port)
  return { server, info: { kind: 'mqtt', host, port: bound, url: `mqtt://${displayHost(host)}:${bound}` } }
}
