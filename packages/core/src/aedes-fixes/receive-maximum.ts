import type { OutboundState } from './outbound-writes.js'
import { wirePublish } from './wire-publish.js'

/**
 * Receive Maximum flow control toward a v5 client [MQTT-3.3.4-7..9].
 *
 * aedes 2.0.0-beta.1 records the client's CONNECT Receive Maximum and then
 * ignores it: a subscriber that allowed 2 unacknowledged QoS 1/2 messages gets
 * everything at once, which [MQTT-3.3.4-9] forbids ("The Server MUST NOT send
 * a PUBLISH with QoS > 0 when it has Receive Maximum PUBLISH packets for which
 * it has not received PUBACK, PUBCOMP, or PUBREC with a Reason Code of 128 or
 * greater"). siar counts the message ids in flight and holds the excess, in
 * order, until an acknowledgement frees a slot. The held packets already have
 * their message id and are in the session store (aedes did that before
 * writing), so a disconnect loses nothing a persistent session would keep.
 *
 * A held message can outlive its Message Expiry Interval: it is dropped then,
 * and otherwise sent with the remaining lifetime [MQTT-3.3.2-5/6].
 *
 * A client that stops acknowledging but keeps its connection open would make
 * the held list grow without end, so it is capped like an offline queue (siar's
 * max queued messages, as Mosquitto's max_queued_messages): past the cap the
 * newest message is dropped and counted as `queue_full`.
 *
 * Engaged only for clients whose Receive Maximum is below 65535, the most
 * message ids a connection can have in flight anyway.
 */
export interface ReceiveMaximumState {
  readonly receiveMaximum: number
  readonly inflight: Set<number>
  /** Held PUBLISH packets, oldest first, from index `head`. */
  held: any[]
  head: number
}

const REASON_CODE_ERROR_THRESHOLD = 0x80
const COMPACT_AFTER = 1024

export function createReceiveMaximum (state: OutboundState, receiveMaximum: number): ReceiveMaximumState {
  const flow: ReceiveMaximumState = { receiveMaximum, inflight: new Set(), held: [], head: 0 }
  // Acknowledgements are seen as they are parsed, before aedes handles them:
  // the client freed the slot when it sent the ack.
  state.client._parser.on('packet', function onInboundAck (packet: any) {
    const cmd = packet.cmd
    if (cmd === 'puback' || cmd === 'pubcomp' ||
        (cmd === 'pubrec' && packet.reasonCode >= REASON_CODE_ERROR_THRESHOLD)) {
      if (flow.inflight.delete(packet.messageId)) flushHeld(state, flow)
    }
  })
  return flow
}

/** True when `packet` may be written now; otherwise it is held and sent later (or dropped past the cap). */
export function admitInflight (state: OutboundState, packet: any): boolean {
  const flow = state.flow as ReceiveMaximumState
  if (flow.inflight.has(packet.messageId)) return true // a retransmission keeps its slot
  if (flow.head === flow.held.length && flow.inflight.size < flow.receiveMaximum) {
    flow.inflight.add(packet.messageId)
    return true
  }
  if (flow.held.length - flow.head >= state.maxHeldMessages) {
    state.drop('queue_full', packet)
    return false
  }
  flow.held.push(packet)
  return false
}

function flushHeld (state: OutboundState, flow: ReceiveMaximumState): void {
  const client = state.client
  while (flow.head < flow.held.length && flow.inflight.size < flow.receiveMaximum) {
    if (client.closed || !(client.connected || client.connecting)) {
      flow.held = []
      flow.head = 0
      return
    }
    const packet = flow.held[flow.head]
    flow.held[flow.head++] = undefined
    const live = withRemainingExpiry(packet)
    if (live === null) {
      state.drop('expired', packet)
      continue
    }
    flow.inflight.add(packet.messageId)
    state.send(live)
  }
  if (flow.head === flow.held.length) {
    flow.held = []
    flow.head = 0
  } else if (flow.head > COMPACT_AFTER && flow.head * 2 > flow.held.length) {
    flow.held = flow.held.slice(flow.head)
    flow.head = 0
  }
}

/** null when the message expired while held; else the packet, with the remaining interval if it has one. */
function withRemainingExpiry (packet: any): any {
  const expiry: number | undefined = packet.messageExpiry
  if (expiry === undefined) return packet
  const remainingMs = expiry - Date.now()
  if (remainingMs <= 0) return null
  return wirePublish(packet, packet.topic, {
    ...packet.properties,
    messageExpiryInterval: Math.ceil(remainingMs / 1000)
  })
}
