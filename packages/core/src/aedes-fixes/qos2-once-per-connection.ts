/**
 * Exactly once for QoS 2 across a session resume [MQTT-4.3.3]: when a session
 * resumes, aedes replays its stored queue while live deliveries of the same
 * messages may already be arriving (from this node's bus, or another node's
 * through Redis); the two copies go out under different packet ids and the
 * client, rightly, takes both. A message is identified by the node that first
 * routed it and that node's counter (aedes' brokerId/brokerCounter), so a
 * second QoS 2 PUBLISH of the same message on the same connection is dropped
 * here. Only QoS 2 pays for this; QoS 1 allows duplicates by definition.
 */
const SENT = Symbol.for('siar.aedes-fixes.qos2-sent')
/** Origin ids remembered per connection; a resume replays at most the offline queue. */
export const QOS2_REMEMBERED_PER_CONNECTION = 4096

export function isRepeatedQos2 (client: any, packet: { qos: number, brokerId?: string, brokerCounter?: number, dup?: boolean }): boolean {
  if (packet.qos !== 2 || !client || packet.brokerId === undefined || packet.brokerCounter === undefined) return false
  let sent: Map<string, true> | undefined = client[SENT]
  if (sent === undefined) {
    sent = new Map()
    client[SENT] = sent
  }
  const key = `${packet.brokerId}\u0000${packet.brokerCounter}`
  if (sent.has(key)) return true
  sent.set(key, true)
  if (sent.size > QOS2_REMEMBERED_PER_CONNECTION) sent.delete(sent.keys().next().value as string)
  return false
}
