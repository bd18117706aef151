/**
 * A copy of an outbound PUBLISH for the wire only. The packet aedes hands to
 * the writer may be the very object kept in the session store (and its
 * `properties` object is shared by every subscriber of the message), so
 * per-connection changes — a topic alias, the remaining expiry interval, the
 * subscription identifiers of one client — go on a copy, never on the original.
 */
export function wirePublish (packet: any, topic: string, properties: Record<string, unknown>): any {
  return {
    cmd: 'publish',
    qos: packet.qos,
    dup: packet.dup,
    retain: packet.retain,
    topic,
    payload: packet.payload,
    messageId: packet.messageId,
    properties
  }
}
