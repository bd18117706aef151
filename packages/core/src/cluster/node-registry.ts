import type { Redis } from 'ioredis'
import type { Logger } from '../logger.js'
import { REDIS_RETRY_MAX_DELAY_MS } from '../backplane/redis-connection.js'

/**
 * Which nodes are alive: each node refreshes `<prefix>node:<id>` (a key with a
 * TTL of nodeTimeoutMs) three times per timeout, and at once whenever its
 * connection to Redis comes back. A node whose key expired is dead — its
 * clients' wills become due. Aedes' own liveness (heartbeats over the bus,
 * swept every 4 minutes) is far too slow for the 30 s bound we promise.
 *
 * A missing key only proves death if we have been watching long enough for a
 * live node to write it: after Redis was unreachable for longer than the TTL,
 * every key is gone at once, and the other nodes need their reconnect backoff
 * plus a beat to put theirs back. `settled()` says whether this node has seen
 * Redis continuously for that long; until then it declares no one dead.
 */
export interface NodeRegistry {
  isAlive: (nodeId: string) => Promise<boolean>
  /** True once Redis has been reachable from here for nodeTimeoutMs plus the worst reconnect backoff. */
  settled: () => boolean
  stop: () => Promise<void>
}

export function startNodeRegistry (db: Redis, nodeId: string, nodeTimeoutMs: number, log: Logger): NodeRegistry {
  const key = (id: string): string => `node:${id}`
  const settleMs = nodeTimeoutMs + REDIS_RETRY_MAX_DELAY_MS
  let stopped = false
  let readySince: number | undefined = db.status === 'ready' ? Date.now() : undefined
  const beat = (): void => {
    if (stopped) return
    db.set(key(nodeId), String(Date.now()), 'PX', nodeTimeoutMs).catch((err: Error) => {
      log.debug({ err: err.message }, 'node heartbeat not written (Redis unreachable?)')
    })
  }
  const onReady = (): void => {
    readySince = Date.now()
    beat()
  }
  const onClose = (): void => { readySince = undefined }
  db.on('ready', onReady)
  db.on('close', onClose)
  beat()
  const timer = setInterval(beat, Math.max(500, Math.floor(nodeTimeoutMs / 3)))
  timer.unref()
  return {
    isAlive: async (id) => (await db.exists(key(id))) === 1,
    settled: () => readySince !== undefined && Date.now() - readySince >= settleMs,
    stop: async () => {
      stopped = true
      clearInterval(timer)
      db.off('ready', onReady)
      db.off('close', onClose)
      // A node that stops on purpose has handled its clients; don't wait out its TTL.
      await db.del(key(nodeId)).catch(() => {})
    }
  }
}
