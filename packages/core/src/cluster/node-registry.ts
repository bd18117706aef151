import type { Redis } from 'ioredis'
import type { Logger } from '../logger.js'

/**
 * Which nodes are alive: each node refreshes `<prefix>node:<id>` (a key with a
 * TTL of nodeTimeoutMs) three times per timeout. A node whose key expired is
 * dead — its clients' wills become due. Aedes' own liveness (heartbeats over
 * the bus, swept every 4 minutes) is far too slow for the 30 s bound we promise.
 */
export interface NodeRegistry {
  isAlive: (nodeId: string) => Promise<boolean>
  stop: () => Promise<void>
}

export function startNodeRegistry (db: Redis, nodeId: string, nodeTimeoutMs: number, log: Logger): NodeRegistry {
  const key = (id: string): string => `node:${id}`
  let stopped = false
  const beat = (): void => {
    if (stopped) return
    db.set(key(nodeId), String(Date.now()), 'PX', nodeTimeoutMs).catch((err: Error) => {
      log.debug({ err: err.message }, 'node heartbeat not written (Redis unreachable?)')
    })
  }
  beat()
  const timer = setInterval(beat, Math.max(500, Math.floor(nodeTimeoutMs / 3)))
  timer.unref()
  return {
    isAlive: async (id) => (await db.exists(key(id))) === 1,
    stop: async () => {
      stopped = true
      clearInterval(timer)
      // A node that stops on purpose has handled its clients; don't wait out its TTL.
      await db.del(key(nodeId)).catch(() => {})
    }
  }
}
