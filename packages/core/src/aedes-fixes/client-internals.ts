/**
 * The two aedes 2.0.0-beta.1 client internals siar's shared subscriptions use,
 * kept here so they are found in one place when aedes changes:
 * - `client._parser`: the mqtt-packet parser of the connection; a listener
 *   prepended to its 'packet' event sees (and may rewrite) each incoming packet
 *   before aedes handles it.
 * - `client._nextId`: the next packet identifier aedes hands out; sharing it
 *   keeps our in-flight ids from colliding with aedes' own [MQTT-2.2.1-3].
 * test/aedes-fixes/client-internals.test.ts fails if either disappears.
 */
export function tapIncomingPackets (client: any, listener: (packet: any) => void): boolean {
  const parser = client._parser
  if (!parser || typeof parser.prependListener !== 'function') return false
  parser.prependListener('packet', listener)
  return true
}

export function allocatePacketId (client: any): number {
  const id = typeof client._nextId === 'number' ? client._nextId : 1
  client._nextId = id >= 65535 ? 1 : id + 1
  return id
}
