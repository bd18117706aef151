import type { IClientSubscribeOptions, IConnackPacket, IDisconnectPacket, IPublishPacket, ISubscriptionGrant, MqttClient } from 'mqtt'
import { backoffDelayMs, type ResolvedReconnectOptions } from './backoff.js'
import { encodeWith, type Codec } from './codec.js'
import { ClientErrorCodes, MqttClientError, describeReasonCode, wrapCallError } from './errors.js'
import { Emitter, type ClientEvents } from './events.js'
import { toMessage, type DecodedMessage, type Message, type PublishProperties, type QoS } from './message.js'
import { OfflineBuffer, type OfflineBufferOptions } from './offline-buffer.js'
import { Requester, serve, type RequestOptions, type ServeOptions, type ServeHandler, type Service } from './request-reply.js'
import { Subscription, type SubscriptionHost } from './subscription.js'
import { SubscriptionRegistry, subscribeChecked } from './subscription-registry.js'
import { isTopicPattern, type TopicParams, type TopicPattern } from './topic-pattern.js'

export interface PublishOptions {
  qos?: QoS
  retain?: boolean
  properties?: PublishProperties
}

export interface SubscribeOptions<T = Buffer> {
  qos?: QoS
  /** Decode payloads into `message.value` (see `codecs`); without one, `value` is the raw payload. */
  codec?: Codec<T>
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

/** @internal what connect() hands the client. */
export interface ClientSetup {
  protocolVersion: number
  where: string
  reconnect: ResolvedReconnectOptions | null
  offlineBuffer?: OfflineBufferOptions
  inboxPrefix: string
}

interface Pending { topic: string, payload: string | Uint8Array, options: PublishOptions, resolve: () => void, reject: (err: Error) => void }

/** Auth refusals: retrying with the same credentials cannot succeed. v3 return codes 4, 5; v5 0x86, 0x87, 0x8A, 0x8C. */
const FATAL_CONNACK = new Set([4, 5, 0x86, 0x87, 0x8a, 0x8c])

/**
 * A connected client. Reconnects with backoff (unless turned off), re-subscribes,
 * and holds publishes made while offline in a bounded buffer, sent in order once
 * back. `raw` is the mqtt.js client, for what this layer does not cover.
 */
export class SiarClient extends Emitter<ClientEvents> implements SubscriptionHost {
  readonly raw: MqttClient
  readonly protocolVersion: number
  /** host:port, for error messages. */
  readonly where: string
  readonly #setup: ClientSetup
  readonly #listeners = new Set<MessageListener>()
  readonly #subscriptions = new SubscriptionRegistry()
  readonly #buffer: OfflineBuffer<Pending>
  #state: 'connected' | 'offline' | 'resuming' | 'closed' = 'connected'
  #attempt = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #lastError: Error | undefined
  #requester: Requester | undefined

  constructor (raw: MqttClient, setup: ClientSetup) {
    super()
    this.raw = raw
    this.protocolVersion = setup.protocolVersion
    this.where = setup.where
    this.#setup = setup
    this.#buffer = new OfflineBuffer(setup.offlineBuffer)
    raw.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
      const message = toMessage(topic, payload, packet)
      this.#subscriptions.offer(message)
      for (const listener of this.#listeners) {
        try { listener(message) } catch (err) { this.reportError(err as Error) }
      }
    })
    // Keep a listener so an 'error' event never becomes an uncaught exception;
    // the error is reported through 'offline'/'close' instead.
    raw.on('error', (err) => { this.#lastError = err })
    // A v5 broker says why it closes the connection [MQTT-3.14.2.1]; keep it for the 'close' error.
    raw.on('disconnect', (packet: IDisconnectPacket) => {
      this.#lastError = new Error(`the broker sent DISCONNECT: ${describeReasonCode(packet.reasonCode ?? 0)}`)
    })
    raw.on('close', () => { this.#onClose() })
    raw.on('connect', (connack: IConnackPacket) => { void this.#onReconnect(connack) })
  }

  get connected (): boolean {
    return this.#state === 'connected' && this.raw.connected
  }

  /** Publishes waiting in the offline buffer. */
  get buffered (): number {
    return this.#buffer.size
  }

  /**
   * Resolves when the broker acknowledged (QoS 1/2) or the packet was written
   * (QoS 0). While reconnecting, the publish waits in the offline buffer.
   */
  publish (topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void>
  publish<T> (topic: string, value: T, options: PublishOptions & { codec: Codec<T> }): Promise<void>
  async publish (topic: string, value: unknown, options: PublishOptions & { codec?: Codec<unknown> } = {}): Promise<void> {
    const { codec, ...rest } = options
    const payload = codec ? encodeWith(codec, value, topic) : value as string | Uint8Array
    if (codec?.contentType && this.protocolVersion === 5 && rest.properties?.contentType === undefined) {
      rest.properties = { ...rest.properties, contentType: codec.contentType }
    }
    if (this.#state === 'closed') throw this.#closedError(`publish to ${topic}`)
    if (this.#state === 'connected' && this.raw.connected) return await this.#send(topic, payload, rest)
    if (this.#setup.reconnect === null) throw this.#closedError(`publish to ${topic}`)
    await new Promise<void>((resolve, reject) => {
      const refused = this.#buffer.push({ topic, payload, options: rest, resolve, reject })
      if (refused) {
        const err = new MqttClientError(ClientErrorCodes.OFFLINE_BUFFER_FULL,
          `publish to ${refused.topic} dropped: the offline buffer is full (${this.#buffer.maxMessages} messages) while reconnecting to ${this.where}`)
        this.emit('drop', { topic: refused.topic, error: err })
        refused.reject(err)
      }
    })
  }

  async #send (topic: string, payload: string | Uint8Array, options: PublishOptions): Promise<void> {
    try {
      // mqtt.js types say Buffer; it writes any Uint8Array as is (and we must not touch Buffer in browsers).
      const packet = await this.raw.publishAsync(topic, payload as Buffer | string, {
        qos: options.qos ?? 0,
        retain: options.retain ?? false,
        ...(options.properties ? { properties: options.properties } : {})
      })
      const reasonCode = (packet as { reasonCode?: number } | undefined)?.reasonCode
      if (reasonCode !== undefined && reasonCode >= 0x80) {
        throw new MqttClientError(ClientErrorCodes.PUBLISH_REFUSED, `broker refused the publish to ${topic}: ${describeReasonCode(reasonCode)}`, { reasonCode })
      }
    } catch (err) {
      throw wrapCallError(err, `publish to ${topic}`, ClientErrorCodes.PUBLISH_REFUSED)
    }
  }

  /**
   * Subscribe to a filter, several filters, or a topic pattern (`topic('sensors/:id/temp')`,
   * whose messages then carry `params`). Iterate the result with `for await`, or call `.onMessage()`.
   */
  subscribe<const P extends string, T = Buffer> (pattern: TopicPattern<P>, options?: SubscribeOptions<T>): Subscription<T, TopicParams<P>>
  subscribe<T = Buffer> (filter: string | string[], options?: SubscribeOptions<T>): Subscription<T>
  subscribe (target: string | string[] | TopicPattern, options: SubscribeOptions<any> = {}): Subscription<any, any> {
    const pattern = isTopicPattern(target) ? target : undefined
    const filters = pattern ? [pattern.filter] : Array.isArray(target) ? target : [target as string]
    const mqttOptions: IClientSubscribeOptions = { qos: options.qos ?? 0 }
    if (options.noLocal !== undefined) mqttOptions.nl = options.noLocal
    if (options.retainAsPublished !== undefined) mqttOptions.rap = options.retainAsPublished
    if (options.retainHandling !== undefined) mqttOptions.rh = options.retainHandling
    if (options.properties) mqttOptions.properties = options.properties
    const sub = new Subscription(this, { filters, mqttOptions, codec: options.codec, pattern, bufferSize: options.bufferSize })
    this.#subscriptions.add(sub, mqttOptions)
    return sub
  }

  /** @internal SubscriptionHost: send SUBSCRIBE (after reconnecting, if offline). */
  async grant (filters: string[], options: IClientSubscribeOptions): Promise<ISubscriptionGrant[]> {
    if (this.#state === 'closed') throw this.#closedError(`subscribe to ${filters.join(', ')}`)
    if (this.#state !== 'connected') await this.#whenBack(`subscribe to ${filters.join(', ')}`)
    const granted = await subscribeChecked(this.raw, filters, options)
    this.#subscriptions.markGranted(filters)
    return granted
  }

  /** Resolves on the next reconnect; rejects if the client closes first. */
  #whenBack (what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const offBack = this.once('reconnect', () => { offClose(); resolve() })
      const offClose = this.once('close', ({ error }) => { offBack(); reject(error ?? this.#closedError(what)) })
    })
  }

  /** @internal SubscriptionHost: UNSUBSCRIBE the filters no other open subscription uses. */
  async release (sub: Subscription<any, any>): Promise<void> {
    const unused = this.#subscriptions.remove(sub)
    if (unused.length === 0 || !this.connected) return
    await this.raw.unsubscribeAsync(unused).catch(() => {})
  }

  /** @internal */
  reportError (err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err)
    else queueMicrotask(() => { throw err })
  }

  /** Every message this client receives, whatever subscription it came through (undecoded). */
  onMessage (listener: MessageListener): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  /** Send a request and wait for the reply (MQTT 5 response topic + correlation data). */
  request<R = Buffer> (topic: string, payload: string | Uint8Array, options?: RequestOptions<unknown, R>): Promise<DecodedMessage<R>>
  request<Q, R = Buffer> (topic: string, value: Q, options: RequestOptions<Q, R> & { codec: Codec<Q> }): Promise<DecodedMessage<R>>
  async request (topic: string, value: unknown, options: RequestOptions<any, any> = {}): Promise<DecodedMessage<any>> {
    this.#requester ??= new Requester(this, this.#setup.inboxPrefix)
    return await this.#requester.request(topic, value, options)
  }

  /** Answer requests on a topic or pattern: the handler's return value is the reply. */
  serve<const P extends string, Q = Buffer, R = string | Uint8Array> (target: TopicPattern<P>, handler: ServeHandler<Q, R, TopicParams<P>>, options?: ServeOptions<Q, R>): Service
  serve<Q = Buffer, R = string | Uint8Array> (target: string, handler: ServeHandler<Q, R>, options?: ServeOptions<Q, R>): Service
  serve (target: string | TopicPattern, handler: ServeHandler<any, any, any>, options: ServeOptions<any, any> = {}): Service {
    return serve(this, target, handler, options)
  }

  /** Disconnect cleanly (a DISCONNECT packet, so no will is sent). Open loops end; buffered publishes fail. */
  async end (force = false): Promise<void> {
    if (this.#state === 'closed') return
    this.#close()
    await this.raw.endAsync(force)
  }

  #onClose (): void {
    if (this.#state === 'closed') return
    const error = this.#lastError
    this.#lastError = undefined
    const policy = this.#setup.reconnect
    const code = (error as { code?: unknown } | undefined)?.code
    const fatal = typeof code === 'number' && FATAL_CONNACK.has(code)
    if (policy === null || fatal || this.#attempt >= policy.maxAttempts) {
      const why = typeof code === 'number' ? `: the broker refused the reconnect: ${describeReasonCode(code, this.protocolVersion)}` : error ? `: ${error.message}` : ''
      const gaveUp = policy !== null && !fatal ? ` (gave up after ${this.#attempt} reconnect attempts)` : ''
      this.#close(new MqttClientError(ClientErrorCodes.CLOSED, `connection to ${this.where} lost${why}${gaveUp}`, { cause: error }))
      this.raw.end(true)
      return
    }
    if (this.#state === 'connected') this.emit('offline', error ? { error } : {})
    this.#state = 'offline'
    this.#attempt++
    const delayMs = backoffDelayMs(this.#attempt, policy)
    this.emit('reconnecting', { attempt: this.#attempt, delayMs })
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      // Keep mqtt.js' stores so QoS 1/2 messages in flight are resent, not lost.
      if (this.#state === 'offline') this.raw.reconnect({ incomingStore: this.raw.incomingStore, outgoingStore: this.raw.outgoingStore })
    }, delayMs)
  }

  /** Back after a loss: re-subscribe (unless the session survived), then flush the buffer in order. */
  async #onReconnect (connack: IConnackPacket): Promise<void> {
    if (this.#state !== 'offline') return
    this.#state = 'resuming'
    this.#attempt = 0
    // The broker kept our subscriptions only if it kept the session [MQTT-3.2.2-2].
    if (!connack.sessionPresent) await this.#subscriptions.resubscribe(this.raw)
    if (this.#state !== 'resuming') return
    // Publish the whole backlog before any new publish can go out: new ones are
    // still buffered until #state flips, so the order is the order of the calls.
    for (const p of this.#buffer.drain()) this.#send(p.topic, p.payload, p.options).then(p.resolve, p.reject)
    this.#state = 'connected'
    this.emit('reconnect', { sessionPresent: connack.sessionPresent })
  }

  #close (error?: MqttClientError): void {
    this.#state = 'closed'
    if (this.#timer) clearTimeout(this.#timer)
    this.#requester?.close(error)
    for (const p of this.#buffer.drain()) p.reject(error ?? this.#closedError(`publish to ${p.topic}`))
    this.#subscriptions.closeAll(error)
    this.emit('close', error ? { error } : {})
  }

  #closedError (what: string): MqttClientError {
    return new MqttClientError(ClientErrorCodes.CLOSED, `${what} failed: the connection to ${this.where} is closed`)
  }
}
