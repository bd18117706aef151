import type { Client } from 'aedes'

/** The peer address of an aedes client, for TCP and WebSocket connections alike. */
export function remoteAddressOf (client: Client | null | undefined): string | undefined {
  if (!client) return undefined
  const conn = client.conn as { remoteAddress?: string }
  return conn.remoteAddress ?? client.req?.socket?.remoteAddress
}
