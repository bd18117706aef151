/**
 * Caps the number of QoS 1/2 messages queued for one offline persistent session.
 *
 * aedes queues for every persistent subscriber through the persistence's
 * `outgoingEnqueue*` calls, online or not, and has no bound: one device that
 * never comes back would grow memory (or Redis) forever. This decorator counts
 * what is queued for a session while its client is offline and drops the newest
 * past the cap, as Mosquitto's max_queued_messages does. Online clients are not
 * counted: their in-flight window is bounded by Receive Maximum instead.
 *
 * In a cluster the node that enqueues is the *publisher's* node, and a client
 * connected to another node looks offline here, so a count kept in this
 * process would fill up with messages that were delivered and acknowledged
 * elsewhere. With `queueLength` (the length of the session's queue in Redis)
 * the count is the shared truth: read at most once per QUEUE_LENGTH_TTL_MS per
 * client, plus what this node admitted since, and read again before dropping
 * if the last read was under the cap (acknowledgements shrink the queue
 * meanwhile). So a client online elsewhere costs one LLEN per second or per
 * (cap - queue length) messages, whichever comes first; a full offline one
 * costs one LLEN per second. Nodes admitting for the same client at the same
 * moment may overshoot the cap by what each admits within one period.
 */
export interface QueueCapOptions {
  maxQueuedMessages: number
  /** Is this client id connected to this node right now? */
  isOnline: (clientId: string) => boolean
  onDrop: (clientId: string, topic: string) => void
  /** Cluster mode: messages in the session's shared queue (queued plus unacknowledged in flight). */
  queueLength?: (clientId: string) => Promise<number>
}

/** How long a queue length read from Redis is trusted (ms): one LLEN per client per period, not per message. */
export const QUEUE_LENGTH_TTL_MS = 1_000
/** Clients whose count is remembered at once in cluster mode; the oldest are forgotten (and re-read) past it. */
const MAX_TRACKED_CLIENTS = 10_000

interface Sub { clientId: string }
interface QueuedPacket { topic: string }

export interface QueueCapHandle {
  /** Forget the count of a client that connected: its queue is being delivered. */
  reset: (clientId: string) => void
  queuedFor: (clientId: string) => number
  /** Messages queued for all offline sessions known to this node (the siar_offline_queued_messages gauge). */
  totalQueued: () => number
}

interface SharedCount { base: number, admitted: number, readAt: number, reading?: Promise<void> }

export function capOfflineQueues (persistence: any, opts: QueueCapOptions): QueueCapHandle {
  const enqueueOne = persistence.outgoingEnqueue.bind(persistence)
  const enqueueMany = persistence.outgoingEnqueueCombi.bind(persistence)
  const counter = opts.queueLength ? sharedCounter(opts.queueLength) : localCounter()

  const admit = async (sub: Sub, packet: QueuedPacket): Promise<boolean> => {
    if (opts.isOnline(sub.clientId)) return true
    if (!(await counter.tryAdmit(sub.clientId, opts.maxQueuedMessages))) {
      opts.onDrop(sub.clientId, packet.topic)
      return false
    }
    return true
  }

  persistence.outgoingEnqueue = async (sub: Sub, packet: QueuedPacket) => {
    if (await admit(sub, packet)) await enqueueOne(sub, packet)
  }
  persistence.outgoingEnqueueCombi = async (subs: Sub[], packet: QueuedPacket) => {
    const verdicts = await Promise.all(subs.map((sub) => admit(sub, packet)))
    const admitted = subs.filter((_, i) => verdicts[i])
    if (admitted.length > 0) await enqueueMany(admitted, packet)
  }

  return { reset: counter.reset, queuedFor: counter.queuedFor, totalQueued: counter.total }
}

interface Counter {
  tryAdmit: (clientId: string, cap: number) => Promise<boolean>
  reset: (clientId: string) => void
  queuedFor: (clientId: string) => number
  total: () => number
}

/** One node: every enqueue for a session passes through here, so a counter in memory is exact. */
function localCounter (): Counter {
  const counts = new Map<string, number>()
  let total = 0
  return {
    tryAdmit: async (clientId, cap) => {
      const count = counts.get(clientId) ?? 0
      if (count >= cap) return false
      counts.set(clientId, count + 1)
      total++
      return true
    },
    reset: (clientId) => {
      total -= counts.get(clientId) ?? 0
      counts.delete(clientId)
    },
    queuedFor: (clientId) => counts.get(clientId) ?? 0,
    total: () => total
  }
}

/** Cluster: the queue's length in Redis, cached briefly, plus what this node admitted since reading it. */
function sharedCounter (queueLength: (clientId: string) => Promise<number>): Counter {
  const counts = new Map<string, SharedCount>()
  const refresh = (clientId: string, entry: SharedCount): Promise<void> => {
    entry.reading ??= queueLength(clientId).then((length) => {
      entry.base = length
      entry.admitted = 0
      entry.readAt = Date.now()
    }).finally(() => { entry.reading = undefined })
    return entry.reading
  }
  return {
    tryAdmit: async (clientId, cap) => {
      let entry = counts.get(clientId)
      if (!entry) {
        if (counts.size >= MAX_TRACKED_CLIENTS) counts.delete(counts.keys().next().value as string)
        entry = { base: 0, admitted: 0, readAt: 0 }
        counts.set(clientId, entry)
      }
      // If Redis cannot be read, the enqueue itself fails the same way; let it report that.
      if (Date.now() - entry.readAt > QUEUE_LENGTH_TTL_MS) await refresh(clientId, entry).catch(() => {})
      // Our own tally says full, but Redis did not when we last looked: a client online on
      // another node acknowledges (and so shrinks its queue) as fast as we add. Look again.
      if (entry.base + entry.admitted >= cap && entry.base < cap) await refresh(clientId, entry).catch(() => {})
      if (entry.base + entry.admitted >= cap) return false
      entry.admitted++
      return true
    },
    reset: (clientId) => { counts.delete(clientId) },
    queuedFor: (clientId) => {
      const entry = counts.get(clientId)
      return entry ? entry.base + entry.admitted : 0
    },
    total: () => {
      let total = 0
      for (const entry of counts.values()) total += entry.base + entry.admitted
      return total
    }
  }
}
