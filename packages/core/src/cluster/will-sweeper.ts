import type { Aedes } from 'aedes'
import { unpack } from 'msgpackr'
import type { Redis } from 'ioredis'
import type { Logger } from '../logger.js'
import type { NodeRegistry } from './node-registry.js'

/** How long a will stays claimed by the node publishing it (another may retry after). */
export const WILL_LOCK_MS = 60_000
/** Will list entries read per LRANGE while sweeping. */
const WILL_PAGE = 1_000

/** A will as aedes-persistence-redis stores it (MessagePack); undefined if unreadable. */
function decodeWill (encoded: Buffer): any {
  try {
    return unpack(encoded)
  } catch {
    return undefined
  }
}

export interface WillSweeper {
  /** Publish every will left by an earlier run of this same node id. */
  sweepOwnLeftovers: () => Promise<number>
  stop: () => void
}

/**
 * Publishes the wills of clients whose node died, exactly once cluster-wide:
 * every node sweeps every nodeTimeoutMs/2, and a will is only published by the
 * node that wins `SET will-lock:<node>:<client> NX` for it. The bound from a
 * node's death to its wills is nodeTimeoutMs (its liveness key expires) plus
 * one sweep period: 15 s with the default 10 s timeout. A node sweeps only
 * once it has seen Redis for nodeTimeoutMs + the reconnect backoff (see
 * NodeRegistry.settled), so a Redis outage does not make live nodes look dead;
 * right after a survivor itself started or reconnected the bound grows by that.
 */
export function startWillSweeper (deps: {
  aedes: Aedes
  persistence: any
  db: Redis
  nodeId: string
  registry: NodeRegistry
  nodeTimeoutMs: number
  log: Logger
}): WillSweeper {
  const { aedes, persistence, db, nodeId, registry, log } = deps
  let running = false

  /** 'published', 'refused' (by the publish check; removed all the same) or 'claimed' (another node has it). */
  const publishWill = async (will: any): Promise<'published' | 'refused' | 'claimed'> => {
    const locked = await db.set(`will-lock:${will.brokerId}:${encodeURIComponent(will.clientId)}`, nodeId, 'PX', WILL_LOCK_MS, 'NX')
    if (locked !== 'OK') return 'claimed'
    const packet = { cmd: 'publish', topic: will.topic, payload: will.payload, qos: will.qos ?? 0, retain: will.retain ?? false, properties: will.properties }
    // The same publish check aedes applies to a will restored from the store (no client): with an
    // ACL the client's identity died with its node, so the auth layer refuses rather than guess.
    const refusal = await new Promise<Error | null>((resolve) => (aedes as any).authorizePublish(null, packet, (err?: Error | null) => resolve(err ?? null)))
    if (!refusal) await new Promise<void>((resolve, reject) => aedes.publish(packet as any, (err) => (err ? reject(err) : resolve())))
    await persistence.delWill({ id: will.clientId, brokerId: will.brokerId })
    if (refusal) log.info({ clientId: will.clientId, deadNode: will.brokerId, reason: refusal.message }, 'dropped the will of a client whose node is gone: not authorized')
    else log.info({ clientId: will.clientId, deadNode: will.brokerId }, 'published the will of a client whose node is gone')
    return refusal ? 'refused' : 'published'
  }

  /**
   * Walks the store's will list (`will`, key names `will:<node>:<encoded client id>`) a page
   * at a time, and reads only the wills of nodes found dead. The store's own streamWill()
   * reads every will (one GET each, all nodes' wills, every period) and stops at 10,000:
   * in a large cluster the wills past that were never published.
   */
  const sweep = async (only?: (brokerId: string) => Promise<boolean>): Promise<number> => {
    let published = 0
    const due = new Map<string, boolean>()
    for (let start = 0; ;) {
      const keys = await db.lrange('will', start, start + WILL_PAGE - 1)
      let removed = 0
      for (const key of keys) {
        const brokerId = key.startsWith('will:') ? key.slice(5, key.lastIndexOf(':')) : ''
        if (!brokerId) continue
        let isDue = due.get(brokerId)
        if (isDue === undefined) {
          isDue = only ? await only(brokerId) : (brokerId !== nodeId && !(await registry.isAlive(brokerId)))
          due.set(brokerId, isDue)
        }
        if (!isDue) continue
        const encoded = await db.getBuffer(key)
        if (!encoded) {
          // Listed but gone (deleted between the store's two writes): trim it, as the store's reader does.
          await db.lrem('will', 0, key)
          removed++
          continue
        }
        const will = decodeWill(encoded)
        if (!will?.clientId || will.brokerId !== brokerId) continue
        const outcome = await publishWill(will)
        if (outcome !== 'claimed') removed++
        if (outcome === 'published') published++
      }
      if (keys.length < WILL_PAGE) break
      // Published wills left the list and the ones after them moved up.
      start += keys.length - removed
    }
    return published
  }

  const timer = setInterval(() => {
    // Right after (re)connecting, a missing liveness key may only mean its node has not beaten yet.
    if (running || !registry.settled()) return
    running = true
    sweep().catch((err: Error) => log.warn({ err: err.message }, 'will sweep failed; retrying next period'))
      .finally(() => { running = false })
  }, Math.max(1_000, Math.floor(deps.nodeTimeoutMs / 2)))
  timer.unref()

  return {
    sweepOwnLeftovers: async () => {
      // At start-up no client is connected here yet: every will under our id is from a previous run.
      const connected = new Set(Object.keys((aedes as any).clients ?? {}))
      return await sweep(async (brokerId) => brokerId === nodeId && connected.size === 0)
    },
    stop: () => clearInterval(timer)
  }
}
