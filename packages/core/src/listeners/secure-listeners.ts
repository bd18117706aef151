import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Socket } from 'node:net'
import type { Server, TLSSocket } from 'node:tls'
import type { ResolvedBrokerOptions } from '../options.js'
import { closeServer, type ListenerInfo } from './bind.js'
import { loadTlsOptions, startTlsListener, type TlsFiles } from './tls.js'
import { startWssListener } from './wss.js'

export interface SecureListenerHandlers {
  /** Connection limits, applied to the raw TCP socket before the handshake; false = refused (and destroyed). */
  admit: (socket: Socket) => boolean
  handleTls: (socket: TLSSocket) => void
  handleWss: (stream: Duplex, req: IncomingMessage) => void
  /** A handshake failed (no/invalid client certificate, old TLS version, not TLS at all). */
  onHandshakeError: (err: Error) => void
}

export interface SecureListeners {
  readonly listeners: readonly ListenerInfo[]
  /** Re-read certificate, key and CA; running connections keep their session. */
  reload: () => Promise<void>
  close: () => Promise<void>
}

/** TLS is on when both a certificate and a key are configured. */
export function tlsEnabled (options: ResolvedBrokerOptions): boolean {
  return options.tls.cert !== undefined && options.tls.key !== undefined
}

/** The mqtts and wss listeners, sharing one set of certificate files. */
export async function startSecureListeners (options: ResolvedBrokerOptions, handlers: SecureListenerHandlers): Promise<SecureListeners> {
  const tls = options.tls
  const files: TlsFiles = { cert: tls.cert as string, key: tls.key as string, ca: tls.ca, requireClientCert: tls.requireClientCert }
  const secure = await loadTlsOptions(files)
  const common = { handshakeTimeoutMs: options.limits.connectTimeoutMs, onClientError: handlers.onHandshakeError, admit: handlers.admit }
  const servers: Server[] = []
  const closers: Array<() => Promise<void>> = []
  const listeners: ListenerInfo[] = []
  try {
    if (tls.port > 0) {
      const l = await startTlsListener(options.host, tls.port, secure, handlers.handleTls, common)
      servers.push(l.server)
      closers.push(() => closeServer(l.server))
      listeners.push(l.info)
    }
    if (tls.wssPort > 0) {
      const l = await startWssListener(options.host, tls.wssPort, options.wsPath, secure, handlers.handleWss, common)
      servers.push(l.server)
      closers.push(async () => {
        for (const socket of l.wss.clients) socket.terminate()
        l.wss.close()
        l.server.closeAllConnections()
        await closeServer(l.server)
      })
      listeners.push(l.info)
    }
  } catch (err) {
    await Promise.all(closers.map((c) => c()))
    throw err
  }
  return {
    listeners,
    reload: async () => {
      const next = await loadTlsOptions(files)
      for (const s of servers) s.setSecureContext(next)
    },
    close: async () => { await Promise.all(closers.splice(0).map((c) => c())) }
  }
}
