import { topicMatchesFilter } from './topic-filter.js'

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
 * Cost: a client with one subscription pays a property walk that stops at the
 * second key; clients with more pay one filter match per subscription.
 */
interface AedesSubscription { qos: number, nl?: boolean, si?: number }
type Deliver = (packet: any, cb: () => void) => void

export interface SubscriptionMatch { maxQos: number, ids: number[] }

export function unifyOverlappingDeliveries (client: any): void {
  const deliverQoS: Deliver = client.deliverQoS
  const deliver0: Deliver = client.deliver0
  const scratch: SubscriptionMatch = { maxQos: -1, ids: [] }

  function route (packet: any, cb: () => void): void {
    // A later call for a message this client already got: aedes would drop it
    // too, but first clear a session-store entry by the packet's (still unset)
    // packet id, which can remove another message's entry. Skip it here.
    const brokerId = packet.brokerId
    if (brokerId && (client.duplicates[brokerId] ?? 0) >= packet.brokerCounter) {
      setImmediate(cb)
      return
    }
    const qos = effectiveQos(client, packet, scratch)
    if (qos > 0) {
      packet.qos = qos
      deliverQoS(packet, cb)
    } else {
      deliver0(packet, cb)
    }
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
  out.maxQos = -1
  out.ids.length = 0
  for (const filter in subs) {
    const sub = subs[filter] as AedesSubscription
    if (own && sub.nl === true) continue // [MQTT-3.8.3-3] no-local
    if (!topicMatchesFilter(filter, topic)) continue
    if (sub.qos > out.maxQos) out.maxQos = sub.qos
    if (sub.si !== undefined) out.ids.push(sub.si)
  }
}

function setIdentifiers (packet: any, ids: number[]): void {
  const current = packet.properties?.subscriptionIdentifier
  if (ids.length === 0) return
  if (ids.length === 1 && current === ids[0]) return
  // A fresh properties object: the one on the packet is shared by every
  // subscriber of the message (aedes copies it by reference).
  packet.properties = { ...packet.properties, subscriptionIdentifier: ids.length === 1 ? ids[0] : ids.slice() }
}
