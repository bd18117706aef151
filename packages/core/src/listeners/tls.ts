import { readFile } from 'node:fs/promises'
import type { Socket } from 'node:net'
import { createSecureContext, createServer, type Server, type TlsOptions, type TLSSocket } from 'node:tls'
import { ErrorCodes, SiarError } from '../errors.js'
import { bindServer, displayHost, type ListenerInfo } from './bind.js'

/** [issue 5] TLS 1.0 and 1.1 are deprecated (RFC 8996); never negotiate them. */
export const TLS_MIN_VERSION = 'TLSv1.2'

export interface TlsFiles {
  cert: string
  key: string
  ca?: string | undefined
  requireClientCert: boolean
}

export type SecureOptions = Pick<TlsOptions, 'cert' | 'key' | 'ca' | 'requestCert' | 'rejectUnauthorized' | 'minVersion'>

/**
 * Read the PEM files into server options. With a CA, clients are asked for a
 * certificate; only with requireClientCert is the handshake refused without
 * a valid one (otherwise `socket.authorized` tells whether it was valid).
 */
export async function loadTlsOptions (files: TlsFiles): Promise<SecureOptions> {
  const read = async (what: string, path: string): Promise<Buffer> => {
    try {
      return await readFile(path)
    } catch (err) {
      throw new SiarError(ErrorCodes.TLS_FILE_UNREADABLE, `cannot read TLS ${what} file ${path}: ${(err as Error).message}`, { cause: err })
    }
  }
  const [cert, key, ca] = await Promise.all([
    read('certificate', files.cert),
    read('key', files.key),
    files.ca === undefined ? undefined : read('CA', files.ca)
  ])
  const options: SecureOptions = {
    cert,
    key,
    minVersion: TLS_MIN_VERSION,
    requestCert: ca !== undefined,
    rejectUnauthorized: files.requireClientCert
  }
  if (ca !== undefined) options.ca = ca
  // Fail at startup/reload, not on the first handshake, when cert and key do not fit.
  try {
    createSecureContext(options)
  } catch (err) {
    throw new SiarError(ErrorCodes.TLS_CONFIG_INVALID, `TLS certificate ${files.cert} and key ${files.key} cannot be used: ${(err as Error).message}`, { cause: err })
  }
  return options
}

export interface TlsListener {
  info: ListenerInfo
  server: Server
}

/** MQTT over TLS (mqtts). `handle` gets the socket once the handshake is done. */
export async function startTlsListener (
  host: string, port: number, options: SecureOptions,
  handle: (socket: TLSSocket) => void,
  opts: { handshakeTimeoutMs: number, onClientError?: (err: Error) => void, admit?: (socket: Socket) => boolean }
): Promise<TlsListener> {
  const server = createServer({ ...options, handshakeTimeout: opts.handshakeTimeoutMs }, (socket) => {
    socket.setNoDelay(true)
    handle(socket)
  })
  // A failed handshake (no client certificate, TLS 1.1, garbage) destroys the
  // socket; without a listener node would only log it, so count it instead.
  server.on('tlsClientError', (err) => opts.onClientError?.(err))
  // Limits first: a refused socket costs no handshake. The TLS server starts
  // its handshake on 'connection'; a destroyed socket ends it.
  if (opts.admit) server.prependListener('connection', (socket: Socket) => { opts.admit?.(socket) })
  const bound = await bindServer(server, 'mqtts', host, port)
  return { server, info: { kind: 'mqtts', host, port: bound, url: `mqtts://${displayHost(host)}:${bound}` } }
}
