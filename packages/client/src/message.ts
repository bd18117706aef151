import type { IPublishPacket } from 'mqtt'
import type { MqttClientError } from './errors.js'

export type QoS = 0 | 1 | 2

/** MQTT 5 user properties: a name may repeat, so a value may be a list [MQTT-3.3.2-18]. */
export type UserProperties = Record<string, string | string[]>

/**
 * MQTT 5 PUBLISH properties, typed: what you may set on a publish and what a
 * received message carries (absent on 3.1.1 connections).
 * - payloadFormatIndicator: true = the payload is UTF-8 text [MQTT-3.3.2.3.2]
 * - messageExpiryInterval: seconds the broker may keep the message
 * - contentType: a MIME type, e.g. application/json
 * - responseTopic / correlationData: request/response [MQTT-4.10]
 * - subscriptionIdentifier: set by the broker on delivery, one per matching subscription
 */
export type PublishProperties = NonNullable<IPublishPacket['properties']>

/** Fields every received message has, whatever its codec. */
export interface MessageBase<P = Record<string, string>> {
  topic: string
  /** The bytes as received: a Buffer in Node, mqtt.js' Buffer polyfill in a browser (both Uint8Array). */
  payload: Buffer
  qos: QoS
  retain: boolean
  dup: boolean
  /** MQTT 5 properties as received (undefined on 3.1.1). */
  properties?: PublishProperties
  /** The topic's parameters when the subscription was made with a topic pattern (else `{}`). */
  params: P
}

/**
 * A received message. With a codec, `value` is the decoded payload; without,
 * it is the payload itself. When the codec fails, `value` is undefined and
 * `decodeError` says why: check it before using `value`.
 */
export type Message<T = Buffer, P = Record<string, string>> = MessageBase<P> & (
  | { value: T, decodeError?: undefined }
  | { value: undefined, decodeError: MqttClientError }
)

/** A message whose payload decoded (what request() resolves with and serve() handlers get). */
export type DecodedMessage<T = Buffer, P = Record<string, string>> = MessageBase<P> & { value: T, decodeError?: undefined }

/** The undecoded message every subscription starts from. */
export function toMessage (topic: string, payload: Buffer, packet: IPublishPacket): Message {
  const msg: Message = {
    topic,
    payload,
    value: payload,
    qos: packet.qos,
    retain: packet.retain,
    dup: packet.dup,
    params: {}
  }
  if (packet.properties) msg.properties = packet.properties
  return msg
}
