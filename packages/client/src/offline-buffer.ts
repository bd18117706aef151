/** What happens when a publish arrives while the offline buffer is full. */
export type WhenFull = 'reject' | 'drop-oldest'

export interface OfflineBufferOptions {
  /** Publishes held while disconnected (default 1000); 0 turns buffering off. */
  maxMessages?: number
  /** 'reject' (default) fails the new publish; 'drop-oldest' fails the oldest held one instead. */
  whenFull?: WhenFull
}

export const DEFAULT_OFFLINE_BUFFER_MAX_MESSAGES = 1000

/** A bounded FIFO: the order publishes were made in is the order they are sent in. */
export class OfflineBuffer<T> {
  readonly maxMessages: number
  readonly whenFull: WhenFull
  readonly #items: T[] = []

  constructor (options: OfflineBufferOptions = {}) {
    this.maxMessages = options.maxMessages ?? DEFAULT_OFFLINE_BUFFER_MAX_MESSAGES
    this.whenFull = options.whenFull ?? 'reject'
    if (!Number.isInteger(this.maxMessages) || this.maxMessages < 0) {
      throw new RangeError(`offlineBuffer.maxMessages must be a whole number >= 0, got ${this.maxMessages}`)
    }
  }

  get size (): number {
    return this.#items.length
  }

  /**
   * Add `item`. Returns what could not be kept: `item` itself when full and
   * 'reject', the oldest item when full and 'drop-oldest', else undefined.
   */
  push (item: T): T | undefined {
    if (this.maxMessages === 0) return item
    if (this.#items.length < this.maxMessages) {
      this.#items.push(item)
      return undefined
    }
    if (this.whenFull === 'reject') return item
    const oldest = this.#items.shift()
    this.#items.push(item)
    return oldest
  }

  /** Take everything, oldest first, leaving the buffer empty. */
  drain (): T[] {
    return this.#items.splice(0)
  }
}
