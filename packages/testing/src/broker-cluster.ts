import { startBrokerProcess, type BrokerProcess } from './broker-process.js'

export interface ClusterNodeProcess extends BrokerProcess {
  nodeId: string
  /** SIGKILL: the node dies without a word (no DISCONNECT, no liveness-key cleanup). */
  kill: () => Promise<number | string>
}

export interface BrokerCluster {
  nodes: ClusterNodeProcess[]
  /** Stop every node still running (SIGTERM, then SIGKILL after 10 s). */
  stop: () => Promise<void>
}

export interface BrokerClusterOptions {
  /** How many `siar start` processes. */
  nodes: number
  /** redis://… of the shared Redis; omit when `args` carries --redis-sentinels. */
  redisUrl?: string
  /** Node ids; default `<idPrefix>-1`, `<idPrefix>-2`, … */
  nodeIds?: string[]
  idPrefix?: string
  /** Extra flags for every node (e.g. --node-timeout-ms 3000). */
  args?: string[]
  env?: Record<string, string>
}

/**
 * N real broker processes (`siar start`, built CLI) sharing one Redis, each on
 * its own free ports and with its own --node-id, started in parallel; resolves
 * once every /readyz says ready.
 */
export async function startBrokerCluster (opts: BrokerClusterOptions): Promise<BrokerCluster> {
  const ids = opts.nodeIds ?? Array.from({ length: opts.nodes }, (_, i) => `${opts.idPrefix ?? 'node'}-${i + 1}`)
  const results = await Promise.allSettled(ids.map((id) => startClusterNodeProcess(id, opts)))
  const nodes = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()))
  }
  if (failed) {
    await stop()
    throw failed.reason
  }
  return { nodes, stop }
}

/** One cluster node process; also used to start a replacement for a killed node. */
export async function startClusterNodeProcess (nodeId: string, opts: Omit<BrokerClusterOptions, 'nodes'>): Promise<ClusterNodeProcess> {
  const args = [...(opts.redisUrl ? ['--redis', opts.redisUrl] : []), '--node-id', nodeId, ...(opts.args ?? [])]
  const proc = await startBrokerProcess({ args, env: opts.env })
  return { ...proc, nodeId, kill: () => proc.stop('SIGKILL') }
}
