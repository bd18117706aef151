import { topicMatchesFilter } from './topic-filter.js'
import { INDEX_THRESHOLD, SubscriptionIndex } from './subscription-index.js'
import { liveDelivery } from './delivery-qos.js'

/**
 * One delivery per message per client, carrying what every matching
 * subscription of that client asks for.
 *
 * aedes 2.0.0-beta.1 calls the client's deliver function once per matching
 * subscription and keeps whichever call comes first (it de-duplicates by the
 * message's broker counter), so with overlapping subscriptions:
 * - only one Subscription Identifier is sent, where [MQTT-3.3.4-3] says the
 *   Server MUST include the identifiers of all matching subscriptions in the
 *   one copy it sends ([MQTT-3.3.4-4]; several may be carried, [MQTT-3.3.4-5]);
 * - the message may go out at the QoS of a lower subscription, where
 *   [MQTT-3.3.4-2] asks for the maximum QoS of all matching subscriptions.
 * It also never lowers a message to the QoS granted to a wildcard subscription
 * (only to an exact-topic one), so a QoS 2 message reached a QoS 1 `a/+`
 * subscriber at QoS 2, against [MQTT-3.8.4-8] ("the minimum of the QoS of the
 * originally published message and the Maximum QoS granted by the Server").
 *
 * siar chooses to send one copy [MQTT-3.3.4-2]: the first call of the deliver
 * function for a message looks at all of the client's subscriptions that match
 * its topic and sends it at min(published QoS, highest matching granted QoS)
 * with every matching identifier; aedes then drops the other calls as
 * duplicates. The wrappers are set in preConnect, before aedes builds any
 * subscription (each subscription captures the deliver function it is given).
 *
 * Known limit: aedes lowers the QoS to that of a subscription whose filter is
 * exactly the topic name, after siar chose the QoS; so when such a
 * subscription overlaps a wildcard one with a higher QoS, the lower wins.
 *
 * Cost: a client with one subscription pays a property walk that stops at the
 * second key; clients with a few pay one filter match per subscription; past
 * INDEX_THRESHOLD subscriptions a per-client trie is walked instead
 * (subscription-index.ts).
 */
interface AedesSubscription { qos: number, nl?: boolean, si?: number }
type Deliver = (packet: any, cb: () => void) => void

export interface SubscriptionMatch { maxQos: number, ids: number[] }

/** Scratch match result, shared: route() runs synchronously, one delivery at a time. */
const SCRATCH: SubscriptionMatch = { maxQos: -1, ids: [] }

export function unifyOverlappingDeliveries (client: any): void {
  const deliverQoS: Deliver = client.deliverQoS
  const deliver0: Deliver = client.deliver0

  function route (packet: any, cb: () => void): void {
    // A later call for a message this client already got: aedes would drop it
    // too, but first clear a session-store entry by the packet's (still unset)
    // packet id, which can remove another message's entry. Skip it here.
    const brokerId = packet.brokerId
    if (brokerId && (client.duplicates[brokerId] ?? 0) >= packet.brokerCounter) {
      setImmediate(cb)
      return
    }
    const qos = effectiveQos(client, packet, SCRATCH)
    liveDelivery.qos = qos
    if (qos > 0) {
      packet.qos = qos
      deliverQoS(packet, cb)
    } else {
      deliver0(packet, cb)
    }
    liveDelivery.qos = -1
  }
  client.deliverQoS = route
  client.deliver0 = route
}

/** Sets the identifiers on `packet` and returns the QoS to send it at. */
function effectiveQos (client: any, packet: any, scratch: SubscriptionMatch): number {
  const published: number = packet.qos ?? 0
  const subs: Record<string, AedesSubscription> = client.subscriptions
  let only: AedesSubscription | undefined
  let count = 0
  for (const filter in subs) {
    if (++count > 1) break
    only = subs[filter]
  }
  // Retained messages sent on SUBSCRIBE (brokerId null) already carry the
  // identifier of the subscription being made; only their QoS is capped.
  const retainedOnSubscribe = packet.brokerId === null
  if (count <= 1 || only === undefined) return Math.min(published, only?.qos ?? published)

  matchSubscriptions(client, packet, scratch)
  if (scratch.maxQos < 0) return published // no match: leave it to aedes' own checks
  if (!retainedOnSubscribe && client.version === 5) setIdentifiers(packet, scratch.ids)
  return Math.min(published, scratch.maxQos)
}

/** The highest granted QoS (-1: none) and the identifiers of the client's subscriptions matching `packet`. */
export function matchSubscriptions (client: any, packet: any, out: SubscriptionMatch): void {
  const subs: Record<string, AedesSubscription> = client.subscriptions
  const topic: string = packet.topic
  const own = packet.clientId !== undefined && packet.clientId === client.id
  out.ids.length = 0
  // Consecutive messages to a client are often on one topic: reuse the last answer.
  const last: LastMatch | undefined = client[LAST_MATCH]
  if (last !== undefined && last.topic === topic && last.own === own) {
    out.maxQos = last.maxQos
    for (const id of last.ids) out.ids.push(id)
    return
  }
  out.maxQos = -1
  const index = indexOf(client, subs)
  if (index === null) {
    for (const filter in subs) {
      if (topicMatchesFilter(filter, topic)) add(subs[filter] as AedesSubscription, own, out)
    }
  } else {
    index.match(topic, MATCHED)
    for (const filter of MATCHED) {
      const sub = subs[filter]
      if (sub !== undefined) add(sub, own, out)
    }
    MATCHED.length = 0
  }
  remember(client, last, topic, own, out)
}

interface LastMatch { topic: string, own: boolean, maxQos: number, ids: number[] }
const LAST_MATCH = Symbol.for('siar.aedes-fixes.last-match')

function remember (client: any, last: LastMatch | undefined, topic: string, own: boolean, out: SubscriptionMatch): void {
  if (last === undefined) {
    client[LAST_MATCH] = { topic, own, maxQos: out.maxQos, ids: out.ids.slice() }
    return
  }
  last.topic = topic
  last.own = own
  last.maxQos = out.maxQos
  last.ids.length = 0
  for (const id of out.ids) last.ids.push(id)
}

function add (sub: AedesSubscription, own: boolean, out: SubscriptionMatch): void {
  if (own && sub.nl === true) return // [MQTT-3.8.3-3] no-local
  if (sub.qos > out.maxQos) out.maxQos = sub.qos
  if (sub.si !== undefined) out.ids.push(sub.si)
}

const INDEX = Symbol.for('siar.aedes-fixes.subscription-index')
/** Scratch list of matching filters (one delivery runs at a time). */
const MATCHED: string[] = []

/** The client's filter index, built on first use after a change; null while it has few subscriptions. */
function indexOf (client: any, subs: Record<string, AedesSubscription>): SubscriptionIndex<string> | null {
  const cached: SubscriptionIndex<string> | null | undefined = client[INDEX]
  if (cached !== undefined) return cached
  let count = 0
  for (const _ in subs) count++
  let index: SubscriptionIndex<string> | null = null
  if (count > INDEX_THRESHOLD) {
    index = new SubscriptionIndex()
    for (const filter in subs) index.add(filter, filter)
  }
  client[INDEX] = index
  return index
}

/** Call when the client's subscriptions changed (aedes 'subscribe', 'unsubscribe', 'clientReady'). */
export function invalidateSubscriptionIndex (client: any): void {
  if (client == null) return
  client[INDEX] = undefined
  client[LAST_MATCH] = undefined
}

function setIdentifiers (packet: any, ids: number[]): void {
  const current = packet.properties?.subscriptionIdentifier
  if (ids.length === 0) return
  if (ids.length === 1 && current === ids[0]) return
  // A fresh properties object: the one on the packet is shared by every
  // subscriber of the message (aedes copies it by reference).
  packet.properties = { ...packet.properties, subscriptionIdentifier: ids.length === 1 ? ids[0] : ids.slice() }
}
