import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import type { Duplex } from 'node:stream'
import { WebSocketServer, createWebSocketStream } from 'ws'
import { bindServer, displayHost, type ListenerInfo } from './bind.js'

export interface WsListener {
  info: ListenerInfo
  server: Server
  wss: WebSocketServer
}

/**
 * MQTT over WebSocket on its own port. Browsers offer the `mqtt` subprotocol
 * ([MQTT-6.0.0-3]); we accept it, and also clients that name none.
 */
export async function startWsListener (
  host: string, port: number, path: string,
  handle: (stream: Duplex, req: IncomingMessage) => void
): Promise<WsListener> {
  const server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' })
    res.end(`this port speaks MQTT over WebSocket at ${path}\n`)
  })
  const wss = attachMqttWebSocket(server, path, handle)
  const bound = await bindServer(server, 'ws', host, port)
  return { server, wss, info: { kind: 'ws', host, port: bound, url: `ws://${displayHost(host)}:${bound}${path}` } }
}

/**
 * MQTT over WebSocket on an HTTP(S) server, for the ws and wss listeners alike.
 * Browsers offer the `mqtt` subprotocol ([MQTT-6.0.0-3]); we accept it, and
 * also clients that name none.
 */
export function attachMqttWebSocket (
  server: Server | HttpsServer, path: string,
  handle: (stream: Duplex, req: IncomingMessage) => void
): WebSocketServer {
  const wss = new WebSocketServer({
    server,
    path,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false)
  })
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws)
    // A socket error must not become an unhandled 'error' event on the stream.
    stream.on('error', () => stream.destroy())
    handle(stream, req)
  })
  return wss
}
