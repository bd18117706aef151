import { connect as tcpConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import type { IncomingMessage, Server } from 'node:http'
import { WebSocket, WebSocketServer, createWebSocketStream } from 'ws'
import type { ParsedBrokerUrl } from '@siar/client'

export interface RelayTlsOptions {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  rejectUnauthorized?: boolean
}

export interface RelayOptions {
  server: Server
  /** WebSocket path the page connects to. */
  path: string
  target: ParsedBrokerUrl
  tls: RelayTlsOptions
  /** Origins allowed to use the relay: only our own page (see `verifyClient`). */
  allowedOrigins: () => string[]
  onError?: (err: Error) => void
}

export interface Relay {
  /** Open relayed connections. */
  readonly connections: number
  close: () => void
}

/**
 * MQTT from the browser (over WebSocket) to a broker the browser cannot reach:
 * plain TCP, or TLS with a client certificate. MQTT bytes are the same on every
 * transport; only the framing differs [MQTT-6.0.0-1], so the relay copies
 * bytes and never parses a packet.
 */
export function attachRelay (opts: RelayOptions): Relay {
  let open = 0
  const wss = new WebSocketServer({
    server: opts.server,
    path: opts.path,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
    // The relay holds the user's client certificate: a page from any other
    // origin (a web site open in the same browser) must not use it.
    verifyClient: ({ origin }: { origin?: string }) => origin !== undefined && opts.allowedOrigins().includes(origin)
  })
  wss.on('connection', (ws: WebSocket, _req: IncomingMessage) => {
    open++
    ws.once('close', () => { open-- })
    const fail = (err: Error): void => {
      opts.onError?.(err)
      ws.terminate()
    }
    if (opts.target.protocol === 'ws' || opts.target.protocol === 'wss') {
      relayToWebSocket(ws, opts.target, opts.tls, fail)
    } else {
      relayToSocket(ws, openSocket(opts.target, opts.tls), fail)
    }
  })
  return {
    get connections () { return open },
    close: () => {
      for (const c of wss.clients) c.terminate()
      wss.close()
    }
  }
}

function openSocket (target: ParsedBrokerUrl, tls: RelayTlsOptions): Socket {
  if (target.protocol === 'mqtts') {
    const options: ConnectionOptions = { host: target.host, port: target.port, ...tls }
    // SNI takes names, not addresses.
    if (!/^[\d.:]+$/.test(target.host)) options.servername = target.host
    return tlsConnect(options)
  }
  return tcpConnect({ host: target.host, port: target.port })
}

function relayToSocket (ws: WebSocket, socket: Socket, fail: (err: Error) => void): void {
  socket.setNoDelay(true)
  const stream = createWebSocketStream(ws)
  stream.on('error', () => socket.destroy())
  socket.on('error', (err) => { stream.destroy(); fail(err) })
  socket.on('close', () => stream.destroy())
  stream.on('close', () => socket.destroy())
  stream.pipe(socket)
  socket.pipe(stream)
}

/** wss targets that need a client certificate (browsers cannot present one here). */
function relayToWebSocket (ws: WebSocket, target: ParsedBrokerUrl, tls: RelayTlsOptions, fail: (err: Error) => void): void {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host
  const upstream = new WebSocket(`${target.protocol}://${host}:${target.port}${target.path || '/mqtt'}`, 'mqtt', { ...tls, perMessageDeflate: false })
  const pending: Buffer[] = []
  ws.on('message', (data: Buffer) => {
    if (upstream.readyState === WebSocket.OPEN) upstream.send(data)
    else pending.push(data)
  })
  upstream.on('open', () => { for (const d of pending.splice(0)) upstream.send(d) })
  upstream.on('message', (data: Buffer) => ws.send(data))
  upstream.on('error', (err) => { fail(err) })
  upstream.on('close', () => ws.close())
  ws.on('close', () => upstream.terminate())
}
