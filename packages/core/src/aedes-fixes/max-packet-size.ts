import { aedesMqttPacket } from './aedes-mqtt-packet.js'

/**
 * The client's Maximum Packet Size, outbound [MQTT-3.1.2-24/25].
 *
 * aedes 2.0.0-beta.1 enforces its own limit on what it receives but sends a
 * v5 client any PUBLISH, however large, even when the client's CONNECT said
 * it accepts less. [MQTT-3.1.2-24]: "The Server MUST NOT send packets
 * exceeding Maximum Packet Size to the Client"; [MQTT-3.1.2-25]: "Where a
 * Packet is too large to send, the Server MUST discard it without sending it
 * and then behave as if it had completed sending that Application Message".
 *
 * The check is an allocation-free upper bound first; only a message within
 * that bound's margin of the limit is encoded to learn its exact size. The
 * size is of the packet with its full topic name: a topic alias could make it
 * smaller, but the alias is only chosen once the message is sure to be sent.
 */
const FIXED_HEADER_MAX_BYTES = 5 // 1 type byte + up to 4 remaining-length bytes
const PACKET_ID_BYTES = 2
const LENGTH_PREFIX_BYTES = 2
const UTF8_BYTES_PER_UTF16_UNIT_MAX = 3

export function exceedsMaximumPacketSize (packet: any, maximumPacketSize: number): boolean {
  if (publishSizeUpperBound(packet) <= maximumPacketSize) return false
  return aedesMqttPacket.generate(packet, { protocolVersion: 5 }).length > maximumPacketSize
}

/** Bytes a PUBLISH can take at most on the wire, without encoding it. */
export function publishSizeUpperBound (packet: any): number {
  return FIXED_HEADER_MAX_BYTES + PACKET_ID_BYTES +
    valueBytes(packet.topic) +
    (packet.properties ? propertiesUpperBound(packet.properties) : 0) +
    payloadBytes(packet.payload)
}

function payloadBytes (payload: unknown): number {
  if (payload === undefined || payload === null) return 0
  if (Buffer.isBuffer(payload)) return payload.length
  return String(payload).length * UTF8_BYTES_PER_UTF16_UNIT_MAX
}

/** A length-prefixed string or binary value. */
function valueBytes (value: unknown): number {
  if (Buffer.isBuffer(value)) return LENGTH_PREFIX_BYTES + value.length
  return LENGTH_PREFIX_BYTES + String(value).length * UTF8_BYTES_PER_UTF16_UNIT_MAX
}

function propertiesUpperBound (properties: Record<string, unknown>): number {
  let bytes = 4 // properties length, a variable byte integer
  for (const key in properties) {
    const value = properties[key]
    if (value === undefined || value === null) continue
    if (key === 'userProperties') {
      const pairs = value as Record<string, string | string[]>
      for (const name in pairs) {
        const values = pairs[name]
        for (const v of Array.isArray(values) ? values : [values]) {
          bytes += 1 + valueBytes(name) + valueBytes(v)
        }
      }
    } else if (Array.isArray(value)) {
      bytes += value.length * 5 // repeated subscription identifiers: id byte + up to 4 bytes
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      bytes += 5 // id byte + at most a four byte integer
    } else {
      bytes += 1 + valueBytes(value)
    }
  }
  return bytes
}
