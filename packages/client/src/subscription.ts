import type { IClientSubscribeOptions, ISubscriptionGrant } from 'mqtt'
import { decodeWith, type Codec } from './codec.js'
import type { Message } from './message.js'
import type { TopicPattern } from './topic-pattern.js'
import { topicMatches } from './topic-match.js'

export const DEFAULT_SUBSCRIPTION_BUFFER_SIZE = 1000

/** What a Subscription needs from its client (kept narrow so the two files stay apart). */
export interface SubscriptionHost {
  grant: (filters: string[], options: IClientSubscribeOptions) => Promise<ISubscriptionGrant[]>
  release: (subscription: Subscription<any, any>) => Promise<void>
  reportError: (err: Error) => void
}

export interface SubscriptionSetup<T> {
  filters: string[]
  mqttOptions: IClientSubscribeOptions
  codec?: Codec<T> | undefined
  pattern?: TopicPattern | undefined
  bufferSize?: number | undefined
}

/**
 * One SUBSCRIBE, as an async iterable of its messages and/or a callback.
 * Leaving the `for await` loop (break, return, throw) unsubscribes.
 */
export class Subscription<T = Buffer, P = Record<string, string>> implements AsyncIterable<Message<T, P>> {
  readonly filters: string[]
  /** Resolves with the broker's grants; rejects when the broker refuses. */
  readonly ready: Promise<ISubscriptionGrant[]>
  /** Messages dropped because a `for await` consumer was slower than the buffer allowed. */
  dropped = 0
  readonly #host: SubscriptionHost
  readonly #codec: Codec<T> | undefined
  readonly #pattern: TopicPattern | undefined
  readonly #buffer: Array<Message<T, P>> = []
  readonly #bufferSize: number
  readonly #listeners = new Set<(m: Message<T, P>) => void>()
  #iterating = false
  #waiting: { resolve: (r: IteratorResult<Message<T, P>>) => void, reject: (err: Error) => void } | null = null
  #error: Error | null = null
  #closed = false

  constructor (host: SubscriptionHost, setup: SubscriptionSetup<T>) {
    this.#host = host
    this.filters = setup.filters
    this.#codec = setup.codec
    this.#pattern = setup.pattern
    this.#bufferSize = setup.bufferSize ?? DEFAULT_SUBSCRIPTION_BUFFER_SIZE
    this.ready = host.grant(this.filters, setup.mqttOptions)
    this.ready.catch((err: Error) => { this.fail(err) })
  }

  get closed (): boolean {
    return this.#closed
  }

  /** @internal the client offers every received message; keep what matches. */
  offer (raw: Message): void {
    if (this.#closed || !this.filters.some((f) => topicMatches(f, raw.topic))) return
    const message = this.#decode(raw)
    if (message === null) return
    for (const listener of this.#listeners) {
      try {
        listener(message)
      } catch (err) {
        this.#host.reportError(err as Error)
      }
    }
    if (this.#listeners.size > 0 && !this.#iterating) return
    if (this.#waiting) {
      const { resolve } = this.#waiting
      this.#waiting = null
      resolve({ value: message, done: false })
      return
    }
    if (this.#buffer.length >= this.#bufferSize) {
      this.#buffer.shift()
      this.dropped++
    }
    this.#buffer.push(message)
  }

  #decode (raw: Message): Message<T, P> | null {
    let params: Record<string, string> = {}
    if (this.#pattern) {
      const matched = this.#pattern.match(raw.topic)
      if (matched === null) return null
      params = matched as Record<string, string>
    }
    const { value: _value, decodeError: _error, ...rest } = raw
    const base = { ...rest, params: params as P }
    if (!this.#codec) return { ...base, value: raw.payload as T }
    const decoded = decodeWith(this.#codec, raw.payload, raw.topic)
    return decoded.decodeError ? { ...base, value: undefined, decodeError: decoded.decodeError } : { ...base, value: decoded.value }
  }

  /** Callback form: `listener` gets each message until close(). Errors it throws go to the client's 'error' event. */
  onMessage (listener: (message: Message<T, P>) => void): this {
    this.#listeners.add(listener)
    return this
  }

  /** Stop receiving; unsubscribes at the broker unless another subscription still uses the filter. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#end()
    await this.#host.release(this)
  }

  /** @internal end the iteration with an error (subscription refused, connection gone). */
  fail (err: Error): void {
    if (this.#closed) return
    this.#error = err
    this.#end()
    if (this.#waiting) this.#waiting.reject(err)
    this.#waiting = null
    void this.#host.release(this)
  }

  /** @internal end the iteration normally, without unsubscribing (the client is ending). */
  finish (): void {
    this.#end()
  }

  #end (): void {
    this.#closed = true
    this.#listeners.clear()
    if (this.#waiting && !this.#error) this.#waiting.resolve({ value: undefined, done: true })
    if (!this.#error) this.#waiting = null
  }

  [Symbol.asyncIterator] (): AsyncIterator<Message<T, P>> {
    this.#iterating = true
    return {
      next: async () => {
        const queued = this.#buffer.shift()
        if (queued) return { value: queued, done: false }
        if (this.#error) throw this.#error
        if (this.#closed) return { value: undefined, done: true }
        return await new Promise<IteratorResult<Message<T, P>>>((resolve, reject) => {
          this.#waiting = { resolve, reject }
        })
      },
      return: async () => {
        await this.close()
        return { value: undefined, done: true }
      }
    }
  }
}
