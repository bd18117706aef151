import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MqttClient } from 'mqtt'
import { connectMqtt, MessageCollector, startBrokerCluster, startRedis, startTestBroker, waitFor, type BrokerCluster, type ClusterNodeProcess, type TestBroker } from '@siar/testing'

type After = { after: (fn: () => unknown) => void }

export interface NodeView { node: ClusterNodeProcess, role?: string, connected?: boolean }

/** A node's bridge as its /readyz reports it (nothing when the node does not answer). */
export async function bridgeView (node: ClusterNodeProcess): Promise<NodeView> {
  try {
    const res = await fetch(`${node.httpUrl}/readyz`, { signal: AbortSignal.timeout(1_000) })
    const body = await res.json() as { bridges?: Array<{ role: string, connected: boolean }> }
    return { node, role: body.bridges?.[0]?.role, connected: body.bridges?.[0]?.connected }
  } catch {
    return { node }
  }
}

export async function owners (nodes: ClusterNodeProcess[]): Promise<NodeView[]> {
  return (await Promise.all(nodes.map(bridgeView))).filter((v) => v.role === 'owner')
}

/** The one node among `nodes` that runs the bridge and is connected. */
export async function waitForOwner (nodes: ClusterNodeProcess[], what: string, timeoutMs = 10_000): Promise<ClusterNodeProcess> {
  return await waitFor(async () => {
    const o = await owners(nodes)
    return o.length === 1 && o[0]?.connected ? o[0].node : undefined
  }, what, timeoutMs, 25)
}

export interface BridgeCluster {
  cluster: BrokerCluster
  remote: TestBroker
  /** Everything the remote got under cloud/#. */
  atRemote: MessageCollector
  /** One entry per connection of the bridge's client id at the remote. */
  bridgeConnects: string[]
}

/**
 * A remote siar (in process), a redis-server and `nodes` siar processes
 * started from a config file with one bridge (`up/#` out, `down/#` in, both
 * under `cloud/` on the remote).
 */
export async function startBridgeCluster (t: After, leaseTtlMs: number, nodes = 3): Promise<BridgeCluster> {
  const redis = await startRedis()
  t.after(() => redis.stop())
  const remote = await startTestBroker()
  t.after(() => remote.close())
  const bridgeConnects: string[] = []
  remote.broker.aedes.on('client', (c) => { if (c.id === 'site-bridge') bridgeConnects.push(c.id) })
  const remoteSub = await connectMqtt(remote.mqttUrl)
  t.after(() => remoteSub.endAsync())
  const atRemote = new MessageCollector(remoteSub)
  await remoteSub.subscribeAsync('cloud/#', { qos: 1 })

  const dir = mkdtempSync(join(tmpdir(), 'siar-bridge-cluster-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const config = join(dir, 'siar.json')
  writeFileSync(config, JSON.stringify({
    cluster: { nodeTimeoutMs: 2_000 },
    bridges: [{
      name: 'cloud',
      url: remote.mqttUrl,
      clientId: 'site-bridge',
      leaseTtlMs,
      reconnectMinMs: 100,
      reconnectMaxMs: 500,
      topics: [
        { pattern: 'up/#', direction: 'out', qos: 1, remotePrefix: 'cloud/' },
        { pattern: 'down/#', direction: 'in', qos: 1, remotePrefix: 'cloud/' }
      ]
    }]
  }))
  const cluster = await startBrokerCluster({ nodes, redisUrl: redis.url, idPrefix: 'br', args: ['--config', config] })
  t.after(() => cluster.stop())
  return { cluster, remote, atRemote, bridgeConnects }
}

/** Publish QoS 1 one at a time; every payload that got its PUBACK is recorded. */
export function publishLoop (client: MqttClient, prefix: string, acked: string[], running: () => boolean): Promise<void> {
  // A publish in flight when the node dies never completes: the close ends the loop.
  const closed = new Promise<'closed'>((resolve) => client.once('close', () => resolve('closed')))
  return (async () => {
    for (let i = 0; running() && i < 100_000; i++) {
      const payload = `${prefix}-${i}`
      try {
        const r = await Promise.race([client.publishAsync(`up/${prefix}`, payload, { qos: 1 }), closed])
        if (r === 'closed') return
        acked.push(payload)
      } catch {
        return // the node went away under this client
      }
    }
  })()
}

/** Every payload in `acked` arrived at the remote (duplicates allowed), and each publisher's arrived in order. */
export async function assertAllArrived (atRemote: MessageCollector, acked: Record<string, string[]>, timeoutMs = 15_000): Promise<{ duplicates: number }> {
  const all = Object.values(acked).flat()
  const missing = (): string[] => {
    const seen = new Set(atRemote.messages.map((m) => m.payload))
    return all.filter((p) => !seen.has(p))
  }
  await waitFor(() => missing().length === 0, () => `every acked message at the remote (missing ${missing().length} of ${all.length})`, timeoutMs)
  for (const prefix of Object.keys(acked)) {
    // In order, counting each message where it first arrived (a resend may repeat a few).
    const firsts = [...new Set(atRemote.messages.map((m) => m.payload).filter((p) => p.startsWith(`${prefix}-`)))]
    const idx = firsts.map((p) => Number(p.slice(prefix.length + 1)))
    if (!idx.every((v, i) => i === 0 || v > (idx[i - 1] as number))) throw new Error(`publisher ${prefix}: out of order at the remote`)
  }
  return { duplicates: atRemote.messages.length - new Set(atRemote.messages.map((m) => m.payload)).size }
}
