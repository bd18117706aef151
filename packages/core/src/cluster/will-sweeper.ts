import type { Aedes } from 'aedes'
import type { Redis } from 'ioredis'
import type { Logger } from '../logger.js'
import type { NodeRegistry } from './node-registry.js'

/** How long a will stays claimed by the node publishing it (another may retry after). */
export const WILL_LOCK_MS = 60_000

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

  const publishWill = async (will: any): Promise<boolean> => {
    const locked = await db.set(`will-lock:${will.brokerId}:${encodeURIComponent(will.clientId)}`, nodeId, 'PX', WILL_LOCK_MS, 'NX')
    if (locked !== 'OK') return false
    const packet = { cmd: 'publish', topic: will.topic, payload: will.payload, qos: will.qos ?? 0, retain: will.retain ?? false, properties: will.properties }
    await new Promise<void>((resolve, reject) => aedes.publish(packet as any, (err) => (err ? reject(err) : resolve())))
    await persistence.delWill({ id: will.clientId, brokerId: will.brokerId })
    log.info({ clientId: will.clientId, deadNode: will.brokerId }, 'published the will of a client whose node is gone')
    return true
  }

  const sweep = async (only?: (brokerId: string) => Promise<boolean>): Promise<number> => {
    let published = 0
    const alive = new Map<string, boolean>()
    for await (const will of persistence.streamWill({})) {
      if (!will?.brokerId || !will.clientId) continue
      let due = alive.get(will.brokerId)
      if (due === undefined) {
        due = only ? await only(will.brokerId) : (will.brokerId !== nodeId && !(await registry.isAlive(will.brokerId)))
        alive.set(will.brokerId, due)
      }
      if (due && await publishWill(will)) published++
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
