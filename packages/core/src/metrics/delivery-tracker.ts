import { performance } from 'node:perf_hooks'
import type { BrokerStats } from './stats.js'

/**
 * Counts PUBLISH deliveries by the QoS that goes on the wire and times how long
 * a message spends inside this node, from the moment aedes accepts it
 * (`aedes.publish`) to the moment it is handed to a subscriber's connection.
 *
 * aedes 2.0.0-beta.1 has no delivery event, but it calls `authorizeForward`
 * exactly once per message and subscriber that will be written, on the live
 * path (client.deliver0/deliverQoS) and when a session's offline queue is
 * drained (handlers/connect.js emptyQueueFilter). We wrap that one hook, which
 * composes with any authorizeForward the security layer configures.
 *
 * Publish times live in a fixed ring indexed by aedes' per-node brokerCounter,
 * so the message path allocates nothing. A message whose slot was reused before
 * delivery (more than RING_SIZE newer publishes in between, or a message that
 * waited in an offline queue) is not timed: its wait is not node latency.
 */
const RING_BITS = 14
const RING_SIZE = 1 << RING_BITS
const RING_MASK = RING_SIZE - 1

export interface DeliveryClientState {
  /** QoS 1/2 deliveries to this connection not yet acknowledged. */
  inflight: number
}

export interface DeliveryTracker {
  /** Call right after `aedes.handle()` returned the client, before it can subscribe. */
  wrapClient: (client: any, state: DeliveryClientState) => void
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
  // QoS the deliver function that is running decided on; -1 when authorizeForward
  // is reached from the offline-queue path instead (the packet carries its QoS).
  let pendingQos = -1

  const publish = aedes.publish
  aedes.publish = function timedPublish (packet: any, client: any, done: any) {
    // aedes.publish builds `new Packet(packet, broker)` synchronously, which takes
    // brokerCounter = ++broker.counter when the packet has none of its own.
    if (packet.brokerCounter === undefined) {
      const counter = aedes.counter + 1
      const slot = counter & RING_MASK
      ringCounter[slot] = counter
      ringTime[slot] = performance.now()
    }
    return publish.call(aedes, packet, client, done)
  }

  const authorizeForward = aedes.authorizeForward
  aedes.authorizeForward = function countedForward (client: any, packet: any) {
    const result = authorizeForward.call(aedes, client, packet)
    let qos = pendingQos
    pendingQos = -1
    if (!result) return result
    if (qos < 0) {
      // Offline-queue drain: aedes then drops expired messages and those of a
      // session that restarted clean; mirror its checks so they are not counted.
      if (packet.messageExpiry !== undefined && packet.messageExpiry <= Date.now()) {
        stats.dropped.expired++
        return result
      }
      if (client.clean || client._cleanStart) return result
      qos = packet.qos
    }
    stats.publishDelivered[qos as 0 | 1 | 2]++
    if (qos > 0) {
      const state = stateOf(client)
      if (state) {
        state.inflight++
        stats.inflight++
      }
    }
    if (packet.brokerId === brokerId) {
      const slot = packet.brokerCounter & RING_MASK
      if (ringCounter[slot] === packet.brokerCounter) observeLatencySeconds((performance.now() - (ringTime[slot] as number)) / 1000)
    }
    return result
  }

  function wrapClient (client: any): void {
    const deliver0 = client.deliver0
    const deliverQoS = client.deliverQoS
    // Both run getToForwardPacket (and so authorizeForward) synchronously first.
    client.deliver0 = function deliver0Counted (packet: any, cb: any) {
      pendingQos = 0
      deliver0(packet, cb)
      pendingQos = -1
    }
    client.deliverQoS = function deliverQoSCounted (packet: any, cb: any) {
      if (packet.qos > 0) {
        // The same downgrade aedes applies before writing ([MQTT-3.8.4-8]).
        const sub = client.subscriptions[packet.topic]
        pendingQos = sub && (sub.qos || 0) < packet.qos ? (sub.qos || 0) : packet.qos
      }
      deliverQoS(packet, cb)
      pendingQos = -1
    }
  }

  return {
    wrapClient,
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
