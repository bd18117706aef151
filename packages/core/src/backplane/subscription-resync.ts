import { unpack } from 'msgpackr'
import type { Redis } from 'ioredis'
import type { Logger } from '../logger.js'

/** Sessions read per pipeline while re-reading the subscription index. */
const RESYNC_BATCH = 500

interface LocalBus { emitLocal: (packet: any, done?: (err?: Error | null) => void) => void }

/**
 * aedes-persistence-redis keeps, on every node, an in-memory index of which
 * persistent sessions subscribe to what (it decides whose offline queue a
 * publish goes to). The index is loaded from Redis at start-up and then kept
 * current by `$SYS/sub/add` / `$SYS/sub/rm` broadcasts over the bus, which is
 * Redis pub/sub: at most once. A node whose subscriber connection was down
 * (a Redis restart, a network blip) misses the subscriptions made meanwhile
 * on nodes that were connected, and would never queue for those sessions —
 * typically right after an outage, when every client reconnects and
 * resubscribes at once.
 *
 * So when the subscriber connection comes back, the index is re-read from
 * Redis (`clients` set, `client:<id>` hashes, as the store writes them) and
 * replayed into this node's own bus as `$SYS/sub/add`, which the store's
 * listener applies. Adding is idempotent. Removals missed meanwhile are not
 * recovered: such a session may get messages queued for a filter it dropped,
 * bounded by the offline queue cap (docs/clustering.md, failure modes).
 */
export async function resyncSubscriptionIndex (db: Redis, bus: LocalBus, log: Logger): Promise<number> {
  const clientIds = await db.smembers('clients')
  let replayed = 0
  for (let i = 0; i < clientIds.length; i += RESYNC_BATCH) {
    const batch = clientIds.slice(i, i + RESYNC_BATCH)
    const pipeline = db.pipeline()
    for (const id of batch) pipeline.hgetallBuffer(`client:${encodeURIComponent(id)}`)
    const results = (await pipeline.exec()) ?? []
    for (const [j, [err, hash]] of results.entries()) {
      if (err || !hash) continue
      const subs = Object.values(hash as Record<string, Buffer>).flatMap((encoded) => {
        try {
          const sub = unpack(encoded) as { topic?: string, qos?: number }
          return sub && typeof sub.topic === 'string' ? [sub] : []
        } catch {
          return []
        }
      })
      if (subs.length === 0) continue
      const payload = Buffer.from(JSON.stringify({ clientId: batch[j], subs }))
      await new Promise<void>((resolve) => bus.emitLocal({ cmd: 'publish', topic: '$SYS/sub/add', payload, qos: 0, retain: false }, () => resolve()))
      replayed++
    }
  }
  log.info({ sessions: replayed }, 'subscription index re-read from Redis after the bus reconnected')
  return replayed
}
