import { createServer, type Server } from 'node:https'
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { WebSocketServer } from 'ws'
import { bindServer, displayHost, type ListenerInfo } from './bind.js'
import type { SecureOptions } from './tls.js'
import { attachMqttWebSocket } from './ws.js'

export interface WssListener {
  info: ListenerInfo
  server: Server
  wss: WebSocketServer
}

/**
 * MQTT over secure WebSocket (wss) on its own port: the ws listener's
 * behaviour behind TLS. The client certificate, if any, is on `req.socket`.
 */
export async function startWssListener (
  host: string, port: number, path: string, options: SecureOptions,
  handle: (stream: Duplex, req: IncomingMessage) => void,
  opts: { handshakeTimeoutMs: number, onClientError?: (err: Error) => void, admit?: (socket: Socket) => boolean }
): Promise<WssListener> {
  const server = createServer({ ...options, handshakeTimeout: opts.handshakeTimeoutMs }, (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' })
    res.end(`this port speaks MQTT over secure WebSocket at ${path}\n`)
  })
  server.on('tlsClientError', (err) => opts.onClientError?.(err))
  // Limits first: a refused socket costs no handshake. The TLS server starts
  // its handshake on 'connection'; a destroyed socket ends it.
  if (opts.admit) server.prependListener('connection', (socket: Socket) => { opts.admit?.(socket) })
  const wss = attachMqttWebSocket(server, path, handle)
  const bound = await bindServer(server, 'wss', host, port)
  return { server, wss, info: { kind: 'wss', host, port: bound, url: `wss://${displayHost(host)}:${bound}${path}` } }
}
