/**
 * Caps the number of QoS 1/2 messages queued for one offline persistent session.
 *
 * aedes queues for every persistent subscriber through the persistence's
 * `outgoingEnqueue*` calls, online or not, and has no bound: one device that
 * never comes back would grow memory (or Redis) forever. This decorator counts
 * what is queued for a session while its client is offline and drops the newest
 * past the cap, as Mosquitto's max_queued_messages does. Online clients are not
 * counted: their in-flight window is bounded by Receive Maximum instead.
 */
export interface QueueCapOptions {
  maxQueuedMessages: number
  /** Is this client id connected to this node right now? */
  isOnline: (clientId: string) => boolean
  onDrop: (clientId: string, topic: string) => void
}

interface Sub { clientId: string }
interface QueuedPacket { topic: string }

export interface QueueCapHandle {
  /** Forget the count of a client that connected: its queue is being delivered. */
  reset: (clientId: string) => void
  queuedFor: (clientId: string) => number
  /** Messages queued for all offline sessions on this node (the siar_offline_queued_messages gauge). */
  totalQueued: () => number
}

export function capOfflineQueues (persistence: any, opts: QueueCapOptions): QueueCapHandle {
  const counts = new Map<string, number>()
  let total = 0
  const enqueueOne = persistence.outgoingEnqueue.bind(persistence)
  const enqueueMany = persistence.outgoingEnqueueCombi.bind(persistence)

  const admit = (sub: Sub, packet: QueuedPacket): boolean => {
    if (opts.isOnline(sub.clientId)) return true
    const count = counts.get(sub.clientId) ?? 0
    if (count >= opts.maxQueuedMessages) {
      opts.onDrop(sub.clientId, packet.topic)
      return false
    }
    counts.set(sub.clientId, count + 1)
    total++
    return true
  }

  persistence.outgoingEnqueue = async (sub: Sub, packet: QueuedPacket) => {
    if (admit(sub, packet)) await enqueueOne(sub, packet)
  }
  persistence.outgoingEnqueueCombi = async (subs: Sub[], packet: QueuedPacket) => {
    const admitted = subs.filter((sub) => admit(sub, packet))
    if (admitted.length > 0) await enqueueMany(admitted, packet)
  }

  return {
    reset: (clientId) => {
      total -= counts.get(clientId) ?? 0
      counts.delete(clientId)
    },
    queuedFor: (clientId) => counts.get(clientId) ?? 0,
    totalQueued: () => total
  }
}
