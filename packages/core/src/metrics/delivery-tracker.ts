import { performance } from 'node:perf_hooks'
import type { BrokerStats } from './stats.js'
import { liveDelivery } from '../aedes-fixes/delivery-qos.js'

/**
 * Counts PUBLISH deliveries by the QoS that goes on the wire and times how long
 * a message spends inside this node, from the moment aedes accepts it
 * (`aedes.publish`) to the moment it is handed to a subscriber's connection.
 *
 * aedes 2.0.0-beta.1 has no delivery event, but it calls `authorizeForward`
 * exactly once per message and subscriber that will be written, on the live
 * path (client.deliver0/deliverQoS) and when a session's offline queue is
 * drained (handlers/connect.js emptyQueueFilter). We wrap that one hook, which
 * composes with any authorizeForward the security layer configures. The QoS of
 * a live delivery comes from siar's per-client deliver function
 * (aedes-fixes `liveDelivery`), so no client gets a second wrapper.
 *
 * Only 1 in LATENCY_SAMPLE_EVERY messages is timed (those whose per-node
 * brokerCounter is a multiple of it): reading the clock costs more than the
 * rest of the bookkeeping, and a sample keeps the distribution. Publish times
 * of sampled messages live in a fixed ring indexed by the counter, so the
 * message path allocates nothing. A message whose slot was reused before
 * delivery (more than RING_SIZE newer sampled publishes in between, or a
 * message that waited in an offline queue) is not timed: its wait is not node
 * latency.
 */
export const LATENCY_SAMPLE_EVERY = 16
const SAMPLE_MASK = LATENCY_SAMPLE_EVERY - 1
const SAMPLE_SHIFT = Math.log2(LATENCY_SAMPLE_EVERY)
const RING_BITS = 12
const RING_SIZE = 1 << RING_BITS
const RING_MASK = RING_SIZE - 1

export interface DeliveryClientState {
  /** QoS 1/2 deliveries to this connection not yet acknowledged. */
  inflight: number
}

export interface DeliveryTracker {
  /** A PUBACK/PUBCOMP arrived for this connection. */
  acked: (state: DeliveryClientState) => void
  /** The connection closed: its unacknowledged messages are no longer in flight here. */
  closed: (state: DeliveryClientState) => void
}

export interface DeliveryTrackerOptions {
  aedes: any
  stats: BrokerStats
  observeLatencySeconds: (seconds: number) => void
  stateOf: (client: any) => DeliveryClientState | undefined
}

export function createDeliveryTracker (opts: DeliveryTrackerOptions): DeliveryTracker {
  const { aedes, stats, observeLatencySeconds, stateOf } = opts
  const ringCounter = new Float64Array(RING_SIZE)
  const ringTime = new Float64Array(RING_SIZE)
  const brokerId: string = aedes.id

  const publish = aedes.publish
  aedes.publish = function timedPublish (packet: any, client: any, done: any) {
    // aedes.publish builds `new Packet(packet, broker)` synchronously, which takes
    // brokerCounter = ++broker.counter when the packet has none of its own.
    if (packet.brokerCounter === undefined) {
      const counter = aedes.counter + 1
      if ((counter & SAMPLE_MASK) === 0) {
        const slot = (counter >>> SAMPLE_SHIFT) & RING_MASK
        ringCounter[slot] = counter
        ringTime[slot] = performance.now()
      }
    }
    return publish.call(aedes, packet, client, done)
  }

  const authorizeForward = aedes.authorizeForward
  aedes.authorizeForward = function countedForward (client: any, packet: any) {
    const result = authorizeForward.call(aedes, client, packet)
    if (!result) return result
    let qos = liveDelivery.qos
    if (qos < 0) {
      // Offline-queue drain: aedes then drops expired messages and those of a
      // session that restarted clean; mirror its checks so they are not counted.
      if (packet.messageExpiry !== undefined && packet.messageExpiry <= Date.now()) {
        stats.dropped.expired++
        return result
      }
      if (client.clean || client._cleanStart) return result
      qos = packet.qos
    } else if (qos > 0) {
      // The same downgrade aedes applies before writing ([MQTT-3.8.4-8]).
      const sub = client.subscriptions[packet.topic]
      if (sub && (sub.qos || 0) < qos) qos = sub.qos || 0
    }
    stats.publishDelivered[qos as 0 | 1 | 2]++
    if (qos > 0) {
      const state = stateOf(client)
      if (state) {
        state.inflight++
        stats.inflight++
      }
    }
    const counter = packet.brokerCounter
    if ((counter & SAMPLE_MASK) === 0 && packet.brokerId === brokerId) {
      const slot = (counter >>> SAMPLE_SHIFT) & RING_MASK
      if (ringCounter[slot] === counter) observeLatencySeconds((performance.now() - (ringTime[slot] as number)) / 1000)
    }
    return result
  }

  return {
    acked: (state) => {
      if (state.inflight > 0) {
        state.inflight--
        stats.inflight--
      }
    },
    closed: (state) => {
      stats.inflight -= state.inflight
      state.inflight = 0
    }
  }
}
