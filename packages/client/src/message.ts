import type { IPublishPacket } from 'mqtt'

export type QoS = 0 | 1 | 2

/** MQTT 5 PUBLISH properties, typed (mqtt.js' shape). */
export type PublishProperties = NonNullable<IPublishPacket['properties']>

export interface Message<T = Buffer> {
  topic: string
  payload: Buffer
  /** The payload decoded by the subscription's codec (the raw Buffer without one). */
  value: T
  qos: QoS
  retain: boolean
  dup: boolean
  /** MQTT 5 properties as received (undefined on 3.1.1). */
  properties?: PublishProperties
  /** Set when the codec could not decode the payload; `value` is then undefined. */
  decodeError?: Error
}

export function toMessage (topic: string, payload: Buffer, packet: IPublishPacket): Message {
  const msg: Message = {
    topic,
    payload,
    value: payload,
    qos: packet.qos,
    retain: packet.retain,
    dup: packet.dup
  }
  if (packet.properties) msg.properties = packet.properties
  return msg
}
