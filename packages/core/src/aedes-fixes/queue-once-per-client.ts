/**
 * One queued copy per client and message, however many of its subscriptions match.
 *
 * aedes 2.0.0-beta.1 queues a QoS 1/2 message for persistent sessions with
 * `outgoingEnqueueCombi(subs, packet)`, one entry per matching subscription,
 * so a client with overlapping subscriptions gets two entries that share the
 * message's broker id and counter. The persistence tells them apart by those
 * two values only, so assigning a packet id to the second overwrites the
 * first's; the client's PUBACK/PUBREC then names an id the store no longer
 * has, and aedes drops the connection (a QoS 2 message queued for overlapping
 * subscriptions disconnected its subscriber on resume). siar sends one copy
 * per client ([MQTT-3.3.4-2] allows it; overlapping-subscriptions.ts gives it
 * every identifier), so it queues one: the first matching subscription of each
 * client. Also keeps the offline-queue cap from counting a message twice.
 */
interface QueuedSub { clientId: string }

export function enqueueOncePerClient (persistence: any): void {
  const enqueueCombi = persistence.outgoingEnqueueCombi
  persistence.outgoingEnqueueCombi = function siarEnqueueCombi (subs: QueuedSub[], packet: unknown) {
    return enqueueCombi.call(this, subs.length > 1 ? uniqueClients(subs) : subs, packet)
  }
}

function uniqueClients (subs: QueuedSub[]): QueuedSub[] {
  const seen = new Set<string>()
  let repeated = false
  for (const sub of subs) {
    if (seen.has(sub.clientId)) {
      repeated = true
      break
    }
    seen.add(sub.clientId)
  }
  if (!repeated) return subs
  seen.clear()
  return subs.filter((sub) => {
    if (seen.has(sub.clientId)) return false
    seen.add(sub.clientId)
    return true
  })
}
