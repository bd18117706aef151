import mqemitter from 'mqemitter'
import { Packr } from 'msgpackr'
import type { Redis } from 'ioredis'

type Listener = (packet: any, done: () => void) => void
type Done = (err?: Error | null) => void
/** Messages for one channel waiting for the end of this turn of the event loop. */
interface Batch { packets: Array<Record<string, unknown>>, done: Array<Done | null> }

export interface RedisEmitterOptions {
  pub: Redis
  sub: Redis
  /** Channel prefix (the cluster key prefix). */
  prefix: string
  nodeId: string
  concurrency?: number
  /** Sees each message from another node before local delivery; the next step runs when it calls back. */
  beforeRemoteDelivery?: (packet: any, next: () => void) => void
  onRemoteMessage?: () => void
  onPublished?: () => void
}

// `moreTypes` off and records off: plain maps, so any node version decodes any other's.
const packr = new Packr({ useRecords: false, moreTypes: false })

/**
 * The message bus of a cluster node: mqemitter's matching, with Redis pub/sub
 * between nodes. Unlike mqemitter-redis, a message goes to this node's own
 * subscribers directly (no round trip through Redis), and the copy Redis sends
 * back is recognised by its origin and dropped, so nothing is delivered twice.
 * Redis channels are `<prefix><topic>`, subscribed per local filter (MQTT
 * wildcards become Redis globs: broader, never narrower; the local matcher has
 * the last word), so clusters with different prefixes can share a Redis.
 * Envelope: `{ o: origin node, p: packet }`, or `{ o, b: [packets] }` for
 * several messages on one topic sent together (in order).
 */
export class RedisEmitter {
  readonly #local: any
  readonly #opts: RedisEmitterOptions
  readonly #channels = new Map<string, number>()
  readonly #batches = new Map<string, Batch>()
  #flushScheduled = false
  /** Messages handed to Redis whose PUBLISH has not been answered yet. */
  #unacked = 0
  #closed = false

  constructor (opts: RedisEmitterOptions) {
    this.#opts = opts
    this.#local = mqemitter({ concurrency: opts.concurrency ?? 100, matchEmptyLevels: true })
    const onMessage = (_channel: Buffer, payload: Buffer): void => this.#receive(payload)
    opts.sub.on('messageBuffer', onMessage)
    opts.sub.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, payload: Buffer) => onMessage(channel, payload))
  }

  get closed (): boolean {
    return this.#closed
  }

  #receive (payload: Buffer): void {
    let envelope: { o: string, p?: any, b?: any[] }
    try {
      envelope = packr.unpack(payload)
    } catch {
      return // not ours: another program publishing on our prefix
    }
    if (envelope.o === this.#opts.nodeId || this.#closed) return
    if (Array.isArray(envelope.b)) {
      for (const packet of envelope.b) this.#deliverRemote(packet)
    } else if (envelope.p != null) {
      this.#deliverRemote(envelope.p)
    }
  }

  #deliverRemote (packet: any): void {
    this.#opts.onRemoteMessage?.()
    if (packet.payload !== undefined && !Buffer.isBuffer(packet.payload)) packet.payload = Buffer.from(packet.payload)
    const deliver = (): void => this.#local.emit(packet)
    if (this.#opts.beforeRemoteDelivery) this.#opts.beforeRemoteDelivery(packet, deliver)
    else deliver()
  }

  on (topic: string, listener: Listener, done?: Done): this {
    this.#local.on(topic, listener)
    const channel = this.#opts.prefix + toRedisPattern(topic)
    const count = this.#channels.get(channel) ?? 0
    this.#channels.set(channel, count + 1)
    if (count > 0) {
      if (done) setImmediate(done)
      return this
    }
    // SUBACK waits for Redis: a message another node publishes right after it must reach us.
    const subscribing = isPattern(topic) ? this.#opts.sub.psubscribe(channel) : this.#opts.sub.subscribe(channel)
    subscribing.then(() => done?.(), (err: Error) => done?.(err))
    return this
  }

  removeListener (topic: string, listener: Listener, done?: Done): this {
    this.#local.removeListener(topic, listener)
    const channel = this.#opts.prefix + toRedisPattern(topic)
    const count = (this.#channels.get(channel) ?? 1) - 1
    if (count > 0) {
      this.#channels.set(channel, count)
      if (done) setImmediate(done)
      return this
    }
    this.#channels.delete(channel)
    if (this.#closed) {
      if (done) setImmediate(done)
      return this
    }
    const unsubscribing = isPattern(topic) ? this.#opts.sub.punsubscribe(channel) : this.#opts.sub.unsubscribe(channel)
    // Locally the listener is gone already; don't hold a disconnecting client (or a
    // shutdown) hostage to a Redis that is down: at worst a stray message is filtered locally.
    let finished = false
    const finish = (): void => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      done?.()
    }
    const timer = setTimeout(finish, UNSUBSCRIBE_WAIT_MS)
    timer.unref()
    unsubscribing.then(finish, finish)
    return this
  }

  /** Local subscribers first; `done` once Redis also took the message (or with its error). */
  emit (packet: any, done?: Done): void {
    if (this.#closed) {
      done?.(new Error('the message bus is closed'))
      return
    }
    // A client's QoS 0 message is at most once and a failed PUBLISH does not
    // fail it (see #publish), so its publisher waits for local delivery only,
    // not for Redis' reply: aedes reads a client's next packet once the previous
    // one is routed, and a round trip per message capped one publisher at
    // 1 / RTT. MAX_UNACKED_QOS0 bounds what a slow Redis can pile up; past it,
    // publishers wait for Redis again. QoS 1/2 and $SYS always wait.
    const topic: string = packet.topic
    const waitForRedis = packet.qos !== 0 || topic.startsWith('$SYS/') || this.#unacked >= MAX_UNACKED_QOS0
    let pending = waitForRedis ? 2 : 1
    let failure: Error | null = null
    const finish = (err?: Error | null): void => {
      if (err && !failure) failure = err
      if (--pending === 0) done?.(failure)
    }
    this.#local.emit(packet, finish)
    // Messages on one topic within one turn of the event loop go out as one
    // PUBLISH: one command, one reply and one message event on every node
    // instead of one per message (a burst from a publisher is read in one go).
    const channel = this.#opts.prefix + topic
    let batch = this.#batches.get(channel)
    if (batch === undefined) {
      batch = { packets: [], done: [] }
      this.#batches.set(channel, batch)
      if (!this.#flushScheduled) {
        this.#flushScheduled = true
        setImmediate(this.#flush)
      }
    }
    batch.packets.push(plain(packet))
    batch.done.push(waitForRedis ? finish : null)
    this.#unacked++
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false
    for (const [channel, batch] of this.#batches) this.#publish(channel, batch)
    this.#batches.clear()
  }

  #publish (channel: string, batch: Batch): void {
    const { packets, done } = batch
    const encoded = packets.length === 1
      ? packr.pack({ o: this.#opts.nodeId, p: packets[0] })
      : packr.pack({ o: this.#opts.nodeId, b: packets })
    this.#opts.pub.publish(channel, encoded).then(() => {
      this.#unacked -= packets.length
      for (const finish of done) {
        this.#opts.onPublished?.()
        finish?.()
      }
    }, (err: Error) => {
      this.#unacked -= packets.length
      const failed = new Error(`Redis did not take the message: ${err.message}`, { cause: err })
      for (let i = 0; i < done.length; i++) {
        const packet = packets[i] as { qos?: number, topic?: unknown }
        // A client's QoS 0 message is at most once: local subscribers had it, other nodes miss it,
        // and the publisher keeps its connection (aedes closes it on a failed QoS 0 publish).
        // Internal $SYS traffic (subscription broadcasts) keeps failing loudly.
        if (packet.qos === 0 && !String(packet.topic).startsWith('$SYS/')) done[i]?.()
        else done[i]?.(failed)
      }
    })
  }

  /** To this node's subscribers only, never to Redis (for state this node missed while its subscriber connection was down). */
  emitLocal (packet: any, done?: Done): void {
    if (this.#closed) {
      done?.(new Error('the message bus is closed'))
      return
    }
    this.#local.emit(packet, done)
  }

  close (done?: () => void): void {
    if (this.#closed) {
      done?.()
      return
    }
    // What was emitted before close still goes to Redis, as it did when each message was published at once.
    if (this.#flushScheduled) this.#flush()
    this.#closed = true
    this.#local.close(() => done?.())
  }
}

/** QoS 0 messages that may wait for Redis' reply before their publishers wait too. */
export const MAX_UNACKED_QOS0 = 10_000

/** Longest a local unsubscribe waits for Redis to confirm (milliseconds). */
export const UNSUBSCRIBE_WAIT_MS = 1_000

const GLOB_SPECIALS = /[*?[\]\\]/g

/** MQTT filter → Redis glob. `a/+/c` → `a/*\/c`; `a/#` → `a*` (so it also matches `a` itself). */
export function toRedisPattern (filter: string): string {
  if (!isPattern(filter)) return filter
  const levels = filter.split('/').map((level) => (level === '+' ? '*' : level.replace(GLOB_SPECIALS, (c) => `\\${c}`)))
  if (levels[levels.length - 1] === '#') {
    levels.pop()
    return `${levels.join('/')}*`
  }
  return levels.join('/')
}

function isPattern (topic: string): boolean {
  return topic.includes('+') || topic.includes('#')
}

/** An aedes Packet as a plain object (no prototype, no undefined fields). */
function plain (packet: any): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(packet)) {
    const value = packet[key]
    if (value !== undefined && typeof value !== 'function') out[key] = value
  }
  return out
}
