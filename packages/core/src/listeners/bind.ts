import type { Server } from 'node:net'
import { ErrorCodes, ListenError } from '../errors.js'

export type ListenerKind = 'mqtt' | 'ws' | 'http' | 'mqtts' | 'wss'

export interface ListenerInfo {
  kind: ListenerKind
  host: string
  /** The port actually bound (differs from the option when it was 0 in tests via `ephemeral`). */
  port: number
  url: string
}

/** Listen, and turn EADDRINUSE and friends into an error that names the port. */
export function bindServer (server: Server, kind: ListenerKind, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening)
      const where = `${formatHost(host)}:${port}`
      if (err.code === 'EADDRINUSE') {
        reject(new ListenError(ErrorCodes.LISTEN_ADDRESS_IN_USE,
          `${kind} listener: port ${port} on ${host} is already in use by another program; stop it or choose another port`, { host, port }, err))
      } else if (err.code === 'EACCES') {
        reject(new ListenError(ErrorCodes.LISTEN_FAILED,
          `${kind} listener: no permission to listen on ${where}; ports below 1024 need privileges, choose a port from 1024 to 65535`, { host, port }, err))
      } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
        reject(new ListenError(ErrorCodes.LISTEN_FAILED,
          `${kind} listener: address ${host} is not an address of this machine; use 127.0.0.1, 0.0.0.0 or one of its own addresses`, { host, port }, err))
      } else {
        reject(new ListenError(ErrorCodes.LISTEN_FAILED, `${kind} listener: cannot listen on ${where}: ${err.message}`, { host, port }, err))
      }
    }
    const onListening = (): void => {
      server.off('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
}

export function closeServer (server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve()
    server.close(() => resolve())
  })
}

export function formatHost (host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

/** The host to print in URLs: an unspecified address is reachable as localhost. */
export function displayHost (host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return formatHost(host)
}
