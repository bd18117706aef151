import type { IClientSubscribeOptions, IPublishPacket, ISubscriptionGrant, MqttClient } from 'mqtt'
import { ClientErrorCodes, MqttClientError, describeReasonCode } from './errors.js'
import { toMessage, type Message, type PublishProperties, type QoS } from './message.js'
import { Subscription } from './subscription.js'

export interface PublishOptions {
  qos?: QoS
  retain?: boolean
  properties?: PublishProperties
}

export interface SubscribeOptions {
  qos?: QoS
  /** v5 No Local: do not receive our own publishes. */
  noLocal?: boolean
  /** v5 Retain As Published. */
  retainAsPublished?: boolean
  /** v5 Retain Handling: 0 send retained, 1 only for new subscriptions, 2 never. */
  retainHandling?: 0 | 1 | 2
  /** v5 SUBSCRIBE properties (subscription identifier, user properties). */
  properties?: IClientSubscribeOptions['properties']
  /** Messages buffered for a slow `for await` loop before the oldest are dropped (default 1000). */
  bufferSize?: number
}

export type MessageListener = (message: Message) => void

/** A connected client. `raw` is the mqtt.js client, for what this layer does not cover. */
export class SiarClient {
  readonly raw: MqttClient
  readonly protocolVersion: number
  /** host:port, for error messages. */
  readonly where: string
  readonly #listeners = new Set<MessageListener>()

  constructor (raw: MqttClient, info: { protocolVersion: number, where: string }) {
    this.raw = raw
    this.protocolVersion = info.protocolVersion
    this.where = info.where
    raw.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
      const message = toMessage(topic, payload, packet)
      for (const listener of this.#listeners) listener(message)
    })
    // After connect, errors surface on the calls that hit them; keep a listener so
    // an 'error' event never becomes an uncaught exception.
    raw.on('error', () => {})
  }

  get connected (): boolean {
    return this.raw.connected
  }

  /** Resolves when the broker acknowledged (QoS 1/2) or the packet was written (QoS 0). */
  async publish (topic: string, payload: string | Buffer | Uint8Array, options: PublishOptions = {}): Promise<void> {
    const body = typeof payload === 'string' ? payload : Buffer.from(payload)
    try {
      const packet = await this.raw.publishAsync(topic, body, {
        qos: options.qos ?? 0,
        retain: options.retain ?? false,
        properties: options.properties
      })
      const reasonCode = (packet as { reasonCode?: number } | undefined)?.reasonCode
      if (reasonCode !== undefined && reasonCode >= 0x80) {
        throw new MqttClientError(ClientErrorCodes.PUBLISH_REFUSED, `broker refused the publish to ${topic}: ${describeReasonCode(reasonCode)}`, { reasonCode })
      }
    } catch (err) {
      throw wrapCallError(err, `publish to ${topic}`, ClientErrorCodes.PUBLISH_REFUSED)
    }
  }

  /** Subscribe; iterate the result with `for await`, or pass `onMessage`. */
  subscribe (filter: string | string[], options: SubscribeOptions = {}): Subscription {
    const filters = Array.isArray(filter) ? filter : [filter]
    return new Subscription(this, filters, options)
  }

  /** @internal used by Subscription */
  async grant (filters: string[], options: SubscribeOptions): Promise<ISubscriptionGrant[]> {
    const opts: IClientSubscribeOptions = { qos: options.qos ?? 0 }
    if (options.noLocal !== undefined) opts.nl = options.noLocal
    if (options.retainAsPublished !== undefined) opts.rap = options.retainAsPublished
    if (options.retainHandling !== undefined) opts.rh = options.retainHandling
    if (options.properties) opts.properties = options.properties
    let granted: ISubscriptionGrant[]
    try {
      granted = await this.raw.subscribeAsync(filters, opts)
    } catch (err) {
      throw wrapCallError(err, `subscribe to ${filters.join(', ')}`, ClientErrorCodes.SUBSCRIBE_REFUSED)
    }
    const refused = granted.filter((g) => g.qos >= 0x80)
    if (refused.length > 0) {
      const first = refused[0] as ISubscriptionGrant
      throw new MqttClientError(ClientErrorCodes.SUBSCRIBE_REFUSED,
        `broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}: ${describeReasonCode(first.qos, this.protocolVersion === 5 ? 5 : 5)}`,
        { reasonCode: first.qos })
    }
    return granted
  }

  /** @internal */
  async ungrant (filters: string[]): Promise<void> {
    if (!this.raw.connected) return
    await this.raw.unsubscribeAsync(filters).catch(() => {})
  }

  /** Every message this client receives, whatever subscription it came through. */
  onMessage (listener: MessageListener): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  /** Disconnect cleanly (a DISCONNECT packet, so no will is sent). */
  async end (force = false): Promise<void> {
    await this.raw.endAsync(force)
  }
}

function wrapCallError (err: unknown, what: string, code: MqttClientError['code']): MqttClientError {
  if (err instanceof MqttClientError) return err
  const e = err as Error & { code?: number | string }
  if (typeof e.code === 'number') {
    return new MqttClientError(code, `${what} failed: ${describeReasonCode(e.code)}`, { cause: err, reasonCode: e.code })
  }
  if (/client disconnecting|connection closed/i.test(e.message)) {
    return new MqttClientError(ClientErrorCodes.CLOSED, `${what} failed: the connection is closed`, { cause: err })
  }
  return new MqttClientError(code, `${what} failed: ${e.message}`, { cause: err })
}
