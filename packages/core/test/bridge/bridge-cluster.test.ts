import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { MqttClient } from 'mqtt'
import { connectMqtt, MessageCollector, startBrokerCluster, startRedis, startTestBroker, waitFor, type ClusterNodeProcess } from '@siar/testing'

// Short lease so the test stays short: takeover within leaseTtlMs + leaseTtlMs/3.
const LEASE_TTL_MS = 1_500

interface NodeView { node: ClusterNodeProcess, role?: string, connected?: boolean }

async function bridgeView (node: ClusterNodeProcess): Promise<NodeView> {
  try {
    const res = await fetch(`${node.httpUrl}/readyz`, { signal: AbortSignal.timeout(1_000) })
    const body = await res.json() as { bridges?: Array<{ role: string, connected: boolean }> }
    return { node, role: body.bridges?.[0]?.role, connected: body.bridges?.[0]?.connected }
  } catch {
    return { node }
  }
}

/** Publish QoS 1 one at a time; every payload that got its PUBACK is recorded. */
function publishLoop (client: MqttClient, prefix: string, acked: string[], running: () => boolean): Promise<void> {
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

test('3-node cluster: one node runs the bridge; after SIGKILL of it another takes over and no acked QoS 1 message is lost', { timeout: 60_000 }, async (t) => {
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
      leaseTtlMs: LEASE_TTL_MS,
      reconnectMinMs: 100,
      reconnectMaxMs: 500,
      topics: [
        { pattern: 'up/#', direction: 'out', qos: 1, remotePrefix: 'cloud/' },
        { pattern: 'down/#', direction: 'in', qos: 1, remotePrefix: 'cloud/' }
      ]
    }]
  }))
  const cluster = await startBrokerCluster({ nodes: 3, redisUrl: redis.url, idPrefix: 'br', args: ['--config', config] })
  t.after(() => cluster.stop())

  const views = async (nodes: ClusterNodeProcess[]): Promise<NodeView[]> => await Promise.all(nodes.map(bridgeView))
  const owners = (v: NodeView[]): NodeView[] => v.filter((x) => x.role === 'owner')
  const first = await waitFor(async () => {
    const v = await views(cluster.nodes)
    const o = owners(v)
    return o.length === 1 && o[0]?.connected ? o[0].node : undefined
  }, 'one node to run the bridge', 10_000, 50)
  const standbys = cluster.nodes.filter((n) => n !== first)
  assert.equal(owners(await views(cluster.nodes)).length, 1, 'exactly one owner')

  // QoS 1 publishers on the owner (dies with it) and on a standby (survives).
  const pubOwner = await connectMqtt(first.mqttUrl, { clientId: 'pub-owner' })
  pubOwner.on('error', () => {})
  const standby = standbys[0] as ClusterNodeProcess
  const pubStandby = await connectMqtt(standby.mqttUrl, { clientId: 'pub-standby' })
  t.after(() => pubStandby.endAsync())
  const ackedOwner: string[] = []
  const ackedStandby: string[] = []
  let running = true
  const loops = [publishLoop(pubOwner, 'a', ackedOwner, () => running), publishLoop(pubStandby, 'b', ackedStandby, () => running)]
  await waitFor(() => ackedOwner.length >= 100 && ackedStandby.length >= 100, 'messages flowing through both nodes')

  // Watch for two owners at once among the nodes alive, all the way through.
  const survivors = standbys
  let maxOwners = 0
  let watching = true
  const watcher = (async () => {
    while (watching) {
      maxOwners = Math.max(maxOwners, owners(await views(survivors)).length)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()

  const killedAt = performance.now()
  await first.kill()
  const next = await waitFor(async () => {
    const o = owners(await views(survivors))
    return o.length === 1 && o[0]?.connected ? o[0].node : undefined
  }, 'a survivor to take the bridge over', 10_000, 25)
  const takeoverMs = Math.round(performance.now() - killedAt)
  t.diagnostic(`takeover after SIGKILL: ${takeoverMs} ms (lease ${LEASE_TTL_MS} ms; bound ${LEASE_TTL_MS + LEASE_TTL_MS / 3} ms + reconnect)`)
  assert.ok(takeoverMs < LEASE_TTL_MS + LEASE_TTL_MS / 3 + 1_500, `takeover took ${takeoverMs} ms`)

  const afterTakeover = ackedStandby.length
  await waitFor(() => ackedStandby.length >= afterTakeover + 100, 'messages flowing after the takeover')
  running = false
  await Promise.all(loops)
  watching = false
  await watcher
  pubOwner.end(true)

  const all = [...ackedOwner, ...ackedStandby]
  await waitFor(() => {
    const seen = new Set(atRemote.messages.map((m) => m.payload))
    return all.every((p) => seen.has(p))
  }, () => {
    const seen = new Set(atRemote.messages.map((m) => m.payload))
    return `every acked message at the remote (missing ${all.filter((p) => !seen.has(p)).length} of ${all.length})`
  }, 15_000)
  assert.equal(maxOwners, 1, 'never two owners among the survivors')
  assert.equal(bridgeConnects.length, 2, 'the remote saw the bridge connect once per owner')

  // In order per publisher, counting each message where it first arrived (resends after the takeover may repeat some).
  for (const prefix of ['a', 'b']) {
    const firsts = [...new Set(atRemote.messages.map((m) => m.payload).filter((p) => p.startsWith(`${prefix}-`)))]
    const idx = firsts.map((p) => Number(p.slice(2)))
    assert.ok(idx.every((v, i) => i === 0 || v > (idx[i - 1] as number)), `publisher ${prefix} in order`)
  }
  const dups = atRemote.messages.length - new Set(atRemote.messages.map((m) => m.payload)).size
  t.diagnostic(`acked: ${all.length} (owner ${ackedOwner.length}, standby ${ackedStandby.length}); duplicates at the remote: ${dups}`)

  // Inbound runs on the new owner too.
  const localSub = await connectMqtt((survivors.find((n) => n !== next) ?? next).mqttUrl)
  t.after(() => localSub.endAsync())
  const atLocal = new MessageCollector(localSub)
  await localSub.subscribeAsync('down/#', { qos: 1 })
  const remotePub = await connectMqtt(remote.mqttUrl)
  t.after(() => remotePub.endAsync())
  await remotePub.publishAsync('cloud/down/lamp', 'on', { qos: 1 })
  assert.equal((await atLocal.waitForTopic('down/lamp')).payload, 'on')
})
