import { isIP } from 'node:net'
import { ErrorCodes, SiarError } from '../errors.js'

/** Loopback: 127.0.0.0/8, ::1, and IPv4-mapped loopback (::ffff:127.x). */
export function isLoopbackAddress (address: string | undefined): boolean {
  if (!address) return false
  if (address === '::1' || address === 'localhost') return true
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  return isIP(v4) === 4 && v4.startsWith('127.')
}

/**
 * Like Mosquitto 2's local-only mode: a broker with no authentication may only
 * listen on loopback. Anything wider must be asked for by name.
 */
export function assertSafeBind (host: string, opts: { allowAnonymous: boolean, authConfigured: boolean }): void {
  if (isLoopbackAddress(host) || opts.allowAnonymous || opts.authConfigured) return
  throw new SiarError(ErrorCodes.INSECURE_BIND,
    `refusing to listen on ${host} with no authentication: anyone on the network could connect, read and publish. ` +
    'Add a password file (--password-file), or pass --allow-anonymous to accept anonymous clients on purpose, ' +
    'or listen on 127.0.0.1 only (--host 127.0.0.1)')
}
