import type { ISubscriptionGrant } from 'mqtt'
import type { SiarClient, SubscribeOptions } from './client.js'
import type { Message } from './message.js'
import { topicMatches } from './topic-match.js'

export const DEFAULT_SUBSCRIPTION_BUFFER_SIZE = 1000

/**
 * One SUBSCRIBE, as an async iterable of its messages. Leaving the `for await`
 * loop (break, return, throw) unsubscribes.
 */
export class Subscription implements AsyncIterable<Message> {
  readonly filters: string[]
  /** Resolves with the broker's grants; rejects when the broker refuses. */
  readonly ready: Promise<ISubscriptionGrant[]>
  /** Messages dropped because the consumer was slower than the buffer allowed. */
  dropped = 0
  readonly #client: SiarClient
  readonly #buffer: Message[] = []
  readonly #bufferSize: number
  #waiting: ((r: IteratorResult<Message>) => void) | null = null
  #failed: ((err: Error) => void) | null = null
  #error: Error | null = null
  #closed = false
  readonly #stopListening: () => void

  constructor (client: SiarClient, filters: string[], options: SubscribeOptions) {
    this.#client = client
    this.filters = filters
    this.#bufferSize = options.bufferSize ?? DEFAULT_SUBSCRIPTION_BUFFER_SIZE
    this.#stopListening = client.onMessage((m) => this.#push(m))
    this.ready = client.grant(filters, options)
    this.ready.catch((err: Error) => {
      this.#error = err
      this.#stopListening()
      if (this.#failed) this.#failed(err)
    })
  }

  #push (message: Message): void {
    if (this.#closed || !this.filters.some((f) => topicMatches(f, message.topic))) return
    if (this.#waiting) {
      const resolve = this.#waiting
      this.#waiting = null
      this.#failed = null
      resolve({ value: message, done: false })
      return
    }
    if (this.#buffer.length >= this.#bufferSize) {
      this.#buffer.shift()
      this.dropped++
    }
    this.#buffer.push(message)
  }

  /** Callback form: call `listener` for each message until close(). */
  onMessage (listener: (m: Message) => void): this {
    void (async () => {
      try {
        for await (const m of this) listener(m)
      } catch { /* surfaced through `ready` */ }
    })()
    return this
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#stopListening()
    if (this.#waiting) this.#waiting({ value: undefined, done: true })
    this.#waiting = null
    await this.#client.ungrant(this.filters)
  }

  [Symbol.asyncIterator] (): AsyncIterator<Message> {
    return {
      next: async () => {
        if (this.#error) throw this.#error
        const queued = this.#buffer.shift()
        if (queued) return { value: queued, done: false }
        if (this.#closed) return { value: undefined, done: true }
        return await new Promise<IteratorResult<Message>>((resolve, reject) => {
          this.#waiting = resolve
          this.#failed = reject
        })
      },
      return: async () => {
        await this.close()
        return { value: undefined, done: true }
      }
    }
  }
}
