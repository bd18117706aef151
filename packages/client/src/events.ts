import type { MqttClientError } from './errors.js'

/** What a SiarClient reports while it runs. */
export interface ClientEvents {
  /** Connected again after a loss; `sessionPresent` is the broker's CONNACK flag. */
  reconnect: { sessionPresent: boolean }
  /** The connection was lost and a reconnect is planned. */
  offline: { error?: Error }
  /** A reconnect attempt is scheduled `delayMs` from now (attempt 1, 2, …). */
  reconnecting: { attempt: number, delayMs: number }
  /** Closed for good: `end()` was called (no error), or the connection was lost and reconnect is off or gave up. */
  close: { error?: MqttClientError }
  /** A publish was dropped, e.g. because the offline buffer was full. */
  drop: { topic: string, error: MqttClientError }
  /** Errors no caller is awaiting: a message listener threw, a re-subscribe was refused. */
  error: Error
}

export type EventListener<T> = (event: T) => void

/**
 * A small typed emitter. Not node:events: the SDK's runtime path must load in
 * a browser without a polyfill.
 */
export class Emitter<E> {
  readonly #listeners = new Map<keyof E, Set<EventListener<never>>>()

  /** Listen; returns a function that stops listening. */
  on<K extends keyof E> (event: K, listener: EventListener<E[K]>): () => void {
    let set = this.#listeners.get(event)
    if (!set) this.#listeners.set(event, (set = new Set()))
    set.add(listener as EventListener<never>)
    return () => { this.off(event, listener) }
  }

  once<K extends keyof E> (event: K, listener: EventListener<E[K]>): () => void {
    const off = this.on(event, (e) => { off(); listener(e) })
    return off
  }

  off<K extends keyof E> (event: K, listener: EventListener<E[K]>): void {
    this.#listeners.get(event)?.delete(listener as EventListener<never>)
  }

  /** Resolve with the next `event`. */
  next<K extends keyof E> (event: K): Promise<E[K]> {
    return new Promise((resolve) => { this.once(event, resolve) })
  }

  protected emit<K extends keyof E> (event: K, value: E[K]): void {
    const set = this.#listeners.get(event)
    if (!set) return
    for (const listener of [...set]) (listener as EventListener<E[K]>)(value)
  }

  protected listenerCount (event: keyof E): number {
    return this.#listeners.get(event)?.size ?? 0
  }
}
