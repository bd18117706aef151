import type { SiarClient } from '@siar/client'
import { createPayload, nowUs, writeHeader } from './payload.js'
import type { BenchPlan } from './plan.js'

/** Messages one publisher writes per event-loop turn before yielding (so acks and deliveries get processed). */
const BATCH = 64

export interface Publisher {
  id: number
  client: SiarClient
  topic: string
  seq: number
  /** Publishes not yet acknowledged (QoS 1/2) or not yet written (QoS 0); reqres: requests not yet answered. */
  outstanding: number
  acked: number
  finished: boolean
  kicked: boolean
  waitingDrain: boolean
  properties?: Record<string, unknown>
}

/** Messages published but not yet delivered to every subscriber, across all workers. */
export interface Backlog {
  full: () => boolean
}

export interface PublisherGroupEvents {
  /** Every publisher reached --count. */
  onDone: () => void
  onSent: () => void
  onError: (err: Error) => void
}

/**
 * Drives this worker's publishers. Unlimited rate: each publisher keeps at most
 * `inflight` messages unacknowledged and stops writing while its socket buffer
 * is full (so the broker, not our memory, sets the pace). Fixed rate: open loop,
 * messages go out on schedule whether or not earlier ones were answered, each
 * stamped with the time it was due (so our own lateness counts as latency).
 */
export function createPublisherGroup (plan: BenchPlan, publishers: Publisher[], backlog: Backlog, ownThread: boolean, events: PublisherGroupEvents): { start: (t0Us: number) => void, stop: () => void, outstanding: () => number, release: (p: Publisher) => void } {
  const template = createPayload(plan.payloadBytes)
  const limit = plan.countPerPublisher ?? Number.POSITIVE_INFINITY
  const closedLoop = plan.scenario === 'reqres'
  // reqres counts a request as outstanding until its response arrives, not until PUBACK.
  const window = closedLoop || plan.qos > 0 ? plan.inflight : Number.POSITIVE_INFINITY
  // The broker's Receive Maximum caps unacknowledged QoS 1/2 publishes [MQTT-3.3.4-7]; mqtt.js does not enforce it.
  const windowOf = (p: Publisher): number => (plan.qos > 0 ? Math.min(window, serverReceiveMaximum(p)) : window)
  // Messages per µs per publisher: the rate is for the whole run, publishers are spread over workers.
  const perUs = plan.rate > 0 ? plan.rate / plan.publishers / 1e6 : 0
  let running = false
  let t0 = 0
  let timer: NodeJS.Timeout | undefined
  let finished = 0

  const finish = (p: Publisher): void => {
    if (p.finished) return
    p.finished = true
    if (++finished === publishers.length) events.onDone()
  }

  const send = (p: Publisher, scheduledUs: number): void => {
    const seq = p.seq++
    // A fresh buffer per message: the socket may still hold the previous one.
    const payload = Buffer.allocUnsafe(template.length)
    template.copy(payload)
    writeHeader(payload, { runId: plan.runId, publisherId: p.id, seq, scheduledUs, sentUs: nowUs() })
    p.outstanding++
    events.onSent()
    const options: Record<string, unknown> = { qos: plan.qos }
    if (p.properties) options.properties = closedLoop ? { ...p.properties, correlationData: seqBytes(seq) } : p.properties
    p.client.raw.publish(p.topic, payload, options, (err) => {
      if (err) {
        p.outstanding--
        events.onError(err)
        return
      }
      if (!closedLoop) release(p)
      if (plan.qos > 0) p.acked++
    })
    if (p.seq >= limit) finish(p)
  }

  function release (p: Publisher): void {
    p.outstanding--
    if (running && perUs === 0 && !p.finished && p.outstanding < windowOf(p)) kick(p)
  }

  const kick = (p: Publisher): void => {
    if (p.kicked) return
    p.kicked = true
    setImmediate(() => {
      p.kicked = false
      pump(p)
    })
  }

  const pump = (p: Publisher): void => {
    for (let budget = BATCH; budget > 0; budget--) {
      if (!running || p.finished || p.outstanding >= windowOf(p)) return
      if (backlog.full()) {
        // Far ahead of the subscribers: wait rather than queue seconds of messages in the broker.
        setTimeout(() => kick(p), 1)
        return
      }
      const stream = p.client.raw.stream as unknown as NodeJS.WritableStream & { writableNeedDrain?: boolean }
      if (stream.writableNeedDrain) {
        if (!p.waitingDrain) {
          p.waitingDrain = true
          stream.once('drain', () => { p.waitingDrain = false; pump(p) })
        }
        return
      }
      send(p, nowUs())
    }
    kick(p)
  }

  // Message `seq` of publisher `id` is due at t0 + (seq + id/P) / r: publishers are staggered, not in bursts.
  const scheduledAt = (p: Publisher): number => t0 + ((p.seq + p.id / plan.publishers) / perUs)
  const sendDue = (): void => {
    const now = nowUs()
    for (const p of publishers) {
      while (!p.finished && scheduledAt(p) <= now) send(p, scheduledAt(p))
    }
  }
  const nextDue = (): number => publishers.reduce((min, p) => (p.finished ? min : Math.min(min, scheduledAt(p))), Number.POSITIVE_INFINITY)

  /** Shares its thread with subscribers: a 1 ms timer; latency then includes up to ~1 ms of our own timer slack. */
  const tick = (): void => {
    if (!running) return
    sendDue()
    timer = setTimeout(tick, Math.max(0, (nextDue() - nowUs()) / 1000))
  }

  /**
   * A thread of its own: sleep on Atomics.wait for the sub-millisecond remainder,
   * so each message leaves within microseconds of its schedule. The thread sleeps
   * (no spinning) and yields to its event loop between messages for acks.
   */
  const sleeper = new Int32Array(new SharedArrayBuffer(4))
  const precise = (): void => {
    if (!running) return
    const waitUs = nextDue() - nowUs()
    if (waitUs > 2000) {
      timer = setTimeout(precise, (waitUs - 1500) / 1000)
      return
    }
    if (waitUs > 0) Atomics.wait(sleeper, 0, 0, waitUs / 1000)
    sendDue()
    if (publishers.some((p) => !p.finished)) setImmediate(precise)
  }

  return {
    start (t0Us) {
      running = true
      t0 = t0Us
      if (publishers.length === 0) return
      if (perUs === 0) for (const p of publishers) kick(p)
      else if (ownThread) precise()
      else tick()
    },
    stop () {
      running = false
      if (timer) clearTimeout(timer)
    },
    outstanding: () => publishers.reduce((n, p) => n + (closedLoop ? 0 : p.outstanding), 0),
    release
  }
}

/** The CONNACK's Receive Maximum (v5), which mqtt.js keeps but does not expose in its types. */
function serverReceiveMaximum (p: Publisher): number {
  const raw = p.client.raw as unknown as { connackPacket?: { properties?: { receiveMaximum?: number } } }
  return raw.connackPacket?.properties?.receiveMaximum ?? 65_535
}

/** MQTT 5 correlation data for request `seq`: 4 bytes, big-endian. */
export function seqBytes (seq: number): Buffer {
  const b = Buffer.allocUnsafe(4)
  b.writeUInt32BE(seq >>> 0, 0)
  return b
}
