import type { Aedes } from 'aedes'
import type { Logger } from '../logger.js'
import type { Backplane } from '../backplane/types.js'
import { stopAedesWillSweep } from '../aedes-fixes/will-sweep.js'
import { startNodeRegistry, type NodeRegistry } from './node-registry.js'
import { startWillSweeper, type WillSweeper } from './will-sweeper.js'

export interface ClusterNode {
  registry: NodeRegistry
  wills: WillSweeper
  stop: () => Promise<void>
}

/** The parts of a node that only make sense with other nodes around: liveness and wills. */
export async function startClusterNode (deps: {
  aedes: Aedes
  backplane: Backplane
  nodeId: string
  nodeTimeoutMs: number
  log: Logger
}): Promise<ClusterNode> {
  const redis = deps.backplane.redis
  if (!redis) throw new Error('cluster features need the Redis backplane')
  stopAedesWillSweep(deps.aedes)
  const registry = startNodeRegistry(redis.db, deps.nodeId, deps.nodeTimeoutMs, deps.log)
  const wills = startWillSweeper({
    aedes: deps.aedes,
    persistence: deps.backplane.persistence,
    db: redis.db,
    nodeId: deps.nodeId,
    registry,
    nodeTimeoutMs: deps.nodeTimeoutMs,
    log: deps.log
  })
  const leftovers = await wills.sweepOwnLeftovers()
  if (leftovers > 0) deps.log.info({ wills: leftovers }, 'published wills left by the previous run of this node')
  return {
    registry,
    wills,
    stop: async () => {
      wills.stop()
      await registry.stop()
    }
  }
}
