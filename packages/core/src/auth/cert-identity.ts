import type { TLSSocket } from 'node:tls'
import type { Client } from 'aedes'

export interface CertIdentity {
  /** Subject CN of the client certificate. */
  cn: string | undefined
  /** True when the certificate chained to the configured CA (socket.authorized). */
  verified: boolean
}

/**
 * The client certificate behind an aedes client, for mqtts (the connection is
 * the TLS socket) and wss (the upgrade request's socket is). Undefined for
 * plain connections and TLS connections that sent no certificate.
 */
export function certIdentityOf (client: Client): CertIdentity | undefined {
  const socket = tlsSocketOf(client)
  if (!socket) return undefined
  const cert = socket.getPeerCertificate()
  if (!cert || Object.keys(cert).length === 0) return undefined
  const cn = cert.subject?.CN
  return { cn: Array.isArray(cn) ? cn[0] : cn, verified: socket.authorized }
}

function tlsSocketOf (client: Client): TLSSocket | undefined {
  const candidates = [client.conn, client.req?.socket] as unknown[]
  for (const c of candidates) {
    const s = c as Partial<TLSSocket> | undefined
    if (s && s.encrypted === true && typeof s.getPeerCertificate === 'function') return s as TLSSocket
  }
  return undefined
}
