import { readFileSync } from 'node:fs'
import type { IClientOptions } from 'mqtt'
import { ErrorCodes, SiarError } from '../errors.js'
import type { BridgeOptions } from '../options.js'

/** Longest wait for the remote's CONNACK (milliseconds). */
export const BRIDGE_CONNECT_TIMEOUT_MS = 10_000

/**
 * mqtt.js options for one connection attempt. Files (password, CA, client
 * certificate and key) are read here, at each attempt, so a renewed
 * certificate on disk is picked up by the next reconnect.
 */
export function remoteClientOptions (b: BridgeOptions): IClientOptions {
  const opts: IClientOptions = {
    clientId: b.clientId ?? `siar-${b.name}`,
    protocolVersion: b.protocolVersion,
    keepalive: b.keepaliveSeconds,
    clean: b.cleanStart,
    // siar reconnects itself, with backoff, on a fresh client each time.
    reconnectPeriod: 0,
    connectTimeout: BRIDGE_CONNECT_TIMEOUT_MS,
    resubscribe: false,
    // QoS 0 while the link is down is dropped by us, not queued inside mqtt.js.
    queueQoSZero: false
  }
  if (b.protocolVersion === 5) opts.properties = { sessionExpiryInterval: b.cleanStart ? 0 : b.sessionExpirySeconds }
  if (b.username !== undefined) opts.username = b.username
  if (b.password !== undefined) opts.password = b.password
  if (b.passwordFile) opts.password = readBridgeFile(b, 'passwordFile', b.passwordFile).toString('utf8').trim()
  const tls = b.tls
  if (tls.ca) opts.ca = readBridgeFile(b, 'tls.ca', tls.ca)
  if (tls.cert) opts.cert = readBridgeFile(b, 'tls.cert', tls.cert)
  if (tls.key) opts.key = readBridgeFile(b, 'tls.key', tls.key)
  if (tls.servername) opts.servername = tls.servername
  if (tls.alpnProtocols) opts.ALPNProtocols = [...tls.alpnProtocols]
  opts.rejectUnauthorized = tls.rejectUnauthorized
  return opts
}

function readBridgeFile (b: BridgeOptions, key: string, path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    const code = key.startsWith('tls.') ? ErrorCodes.TLS_FILE_UNREADABLE : ErrorCodes.CONFIG_FILE_UNREADABLE
    throw new SiarError(code, `bridges[${b.name}].${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err })
  }
}

/** The remote URL without credentials, for logs, /readyz and events. */
export function describeRemote (url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? u.pathname : ''}`
  } catch {
    return 'invalid URL'
  }
}
