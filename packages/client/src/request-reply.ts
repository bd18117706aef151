import { fromHex, randomHex, toHex } from './bytes.js'
import { decodeWith, encodeWith, type Codec } from './codec.js'
import { ClientErrorCodes, MqttClientError } from './errors.js'
import type { DecodedMessage, Message, PublishProperties, QoS } from './message.js'
import type { Subscription } from './subscription.js'
import type { TopicPattern } from './topic-pattern.js'
import type { SiarClient } from './client.js'

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
/** User property a responder sets when its handler failed; the requester rejects with its text. */
export const ERROR_USER_PROPERTY = 'siar-error'

export interface RequestOptions<Q, R> {
  /** Reject with SIAR_ERR_CLIENT_REQUEST_TIMEOUT when no reply came within this (default 10 000 ms). */
  timeoutMs?: number
  /** QoS of the request and of the inbox subscription (default 1). */
  qos?: QoS
  /** Encodes the request value. */
  codec?: Codec<Q>
  /** Decodes the reply into `value`; a reply it cannot decode rejects with SIAR_ERR_CLIENT_CODEC. */
  responseCodec?: Codec<R>
  /** Extra PUBLISH properties (user properties, content type, expiry). */
  properties?: PublishProperties
}

interface Waiter { resolve: (m: DecodedMessage<any>) => void, reject: (err: Error) => void, codec?: Codec<unknown> | undefined, topic: string }

/**
 * The requester side of MQTT 5 request/response [MQTT-4.10]: one inbox topic
 * per client, subscribed on first use, and a correlation id per request.
 */
export class Requester {
  readonly inbox: string
  readonly #client: SiarClient
  readonly #waiting = new Map<string, Waiter>()
  #subscription: Subscription | undefined
  #ready: Promise<unknown> | undefined

  constructor (client: SiarClient, inboxPrefix: string) {
    this.#client = client
    this.inbox = `${inboxPrefix}/${randomHex(8)}`
  }

  async request (topic: string, value: unknown, options: RequestOptions<any, any>): Promise<DecodedMessage<any>> {
    requireV5(this.#client, 'request()')
    if (/[+#]/.test(topic)) throw new MqttClientError(ClientErrorCodes.BAD_TOPIC, `request(): ${topic} is a filter; requests go to one topic name`)
    const payload = options.codec ? encodeWith(options.codec, value, topic) : value as string | Uint8Array
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    const qos = options.qos ?? 1
    const id = randomHex(16)
    return await new Promise<DecodedMessage<any>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id)
        reject(new MqttClientError(ClientErrorCodes.REQUEST_TIMEOUT, `no reply to the request on ${topic} within ${timeoutMs} ms (is a responder serving it?)`))
      }, timeoutMs)
      const settle = <A>(fn: (arg: A) => void) => (arg: A): void => {
        clearTimeout(timer)
        this.#waiting.delete(id)
        fn(arg)
      }
      this.#waiting.set(id, { resolve: settle(resolve), reject: settle(reject), codec: options.responseCodec, topic })
      this.#ensureInbox(qos)
        .then(async () => {
          await this.#client.publish(topic, payload, {
            qos,
            properties: { ...options.properties, responseTopic: this.inbox, correlationData: fromHex(id) as Buffer }
          })
        })
        .catch((err: Error) => { this.#waiting.get(id)?.reject(err) })
    })
  }

  async #ensureInbox (qos: QoS): Promise<void> {
    if (!this.#ready) {
      this.#subscription = this.#client.subscribe(this.inbox, { qos }).onMessage((m) => { this.#onReply(m) })
      this.#ready = this.#subscription.ready
      this.#ready.catch(() => { this.#ready = undefined })
    }
    await this.#ready
  }

  #onReply (m: Message): void {
    const correlation = m.properties?.correlationData
    if (!correlation) return
    const waiter = this.#waiting.get(toHex(correlation))
    if (!waiter) return // late reply after a timeout, or not ours
    const failed = m.properties?.userProperties?.[ERROR_USER_PROPERTY]
    if (failed !== undefined) {
      waiter.reject(new MqttClientError(ClientErrorCodes.REQUEST_FAILED, `the responder on ${waiter.topic} failed: ${String(failed)}`))
      return
    }
    if (!waiter.codec) return waiter.resolve(m as DecodedMessage)
    const decoded = decodeWith(waiter.codec, m.payload, m.topic)
    if (decoded.decodeError) waiter.reject(decoded.decodeError)
    else waiter.resolve({ ...m, value: decoded.value, decodeError: undefined })
  }

  /** The client closed: pending requests fail now rather than at their timeout. */
  close (error?: MqttClientError): void {
    for (const waiter of [...this.#waiting.values()]) {
      waiter.reject(error ?? new MqttClientError(ClientErrorCodes.CLOSED, `request to ${waiter.topic} failed: the client was closed`))
    }
  }
}

export type ServeHandler<Q, R, P = Record<string, string>> = (request: DecodedMessage<Q, P>) => R | Promise<R>

export interface ServeOptions<Q, R> {
  /** QoS of the subscription and of the replies (default 1). */
  qos?: QoS
  /** Decodes requests; a request it cannot decode gets an error reply and never reaches the handler. */
  codec?: Codec<Q>
  /** Encodes the handler's return value (without one it must be a string, bytes or undefined). */
  responseCodec?: Codec<R>
}

export interface Service {
  /** Resolves once the broker granted the subscription. */
  readonly ready: Promise<unknown>
  /** Stop serving (unsubscribes). */
  close: () => Promise<void>
}

/** The responder side: reply to each request's Response Topic with its Correlation Data [MQTT-4.10]. */
export function serve (client: SiarClient, target: string | TopicPattern, handler: ServeHandler<any, any, any>, options: ServeOptions<any, any>): Service {
  requireV5(client, 'serve()')
  const qos = options.qos ?? 1
  const sub = client.subscribe(target as string, { qos, ...(options.codec ? { codec: options.codec } : {}) })
  sub.onMessage((m) => {
    const responseTopic = m.properties?.responseTopic
    if (!responseTopic) return // a plain publish, not a request: nothing to answer
    const correlationData = m.properties?.correlationData
    const reply = async (): Promise<void> => {
      if (m.decodeError) throw m.decodeError
      const result: unknown = await handler(m)
      const payload = options.responseCodec ? encodeWith(options.responseCodec, result, responseTopic) : rawReply(result, m.topic)
      await client.publish(responseTopic, payload, { qos, properties: correlationData ? { correlationData } : {} })
    }
    reply().catch(async (err: Error) => {
      await client.publish(responseTopic, '', {
        qos,
        properties: { ...(correlationData ? { correlationData } : {}), userProperties: { [ERROR_USER_PROPERTY]: err.message } }
      }).catch(() => { /* connection gone: the requester times out, which says as much */ })
    })
  })
  return { ready: sub.ready, close: async () => { await sub.close() } }
}

function rawReply (result: unknown, topic: string): string | Uint8Array {
  if (result === undefined || result === null) return ''
  if (typeof result === 'string' || result instanceof Uint8Array) return result
  throw new MqttClientError(ClientErrorCodes.CODEC, `the handler for ${topic} returned a ${typeof result}; return a string or bytes, or set responseCodec (e.g. codecs.json())`)
}

function requireV5 (client: SiarClient, what: string): void {
  if (client.protocolVersion === 5) return
  const version = client.protocolVersion === 4 ? '3.1.1' : '3.1'
  throw new MqttClientError(ClientErrorCodes.REQUIRES_MQTT5,
    `${what} needs MQTT 5 (response topic and correlation data); the connection to ${client.where} uses MQTT ${version}: connect with protocolVersion 5`)
}
