import { test } from 'node:test'
import assert from 'node:assert/strict'
import mqtt, { type MqttClient } from 'mqtt'
import { setTimeout as delay } from 'node:timers/promises'
import { startRedis, startBrokerCluster, waitFor, nextEvent, type ClusterNodeProcess } from '@siar/testing'

// The chaos test, bounded and on loopback: 3 nodes; QoS 1 and QoS 2
// publishers at a steady rate on node A for 20 s; persistent subscribers on
// node B. B is SIGKILLed mid-run (the subscribers move to C), then A (the
// publishers move to C and resend what was not acknowledged). Every message
// the broker acknowledged must arrive: at QoS 1 duplicates are allowed, at
// QoS 2 each exactly once.

const RUN_MS = 20_000
const KILL_B_AT_MS = 6_000
const KILL_A_AT_MS = 13_000
const PUBLISH_EVERY_MS = 20

interface Publisher { sent: number, acked: Set<number>, pending: Set<Promise<void>> }

function clientOn (nodes: ClusterNodeProcess[], clientId: string): MqttClient {
  return mqtt.connect({
    servers: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    protocolVersion: 5,
    clientId,
    clean: false,
    properties: { sessionExpiryInterval: 600 },
    reconnectPeriod: 200,
    connectTimeout: 2_000
  })
}

function publishSteadily (client: MqttClient, topic: string, qos: 1 | 2, until: number): Publisher {
  const p: Publisher = { sent: 0, acked: new Set(), pending: new Set() }
  const tick = (): void => {
    if (Date.now() >= until) return
    const id = p.sent++
    const done = client.publishAsync(topic, String(id), { qos }).then((packet) => {
      if (((packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0) < 0x80) p.acked.add(id)
    }, () => {}).finally(() => p.pending.delete(done))
    p.pending.add(done)
    setTimeout(tick, PUBLISH_EVERY_MS)
  }
  tick()
  return p
}

function countReceived (client: MqttClient): Map<number, number> {
  const counts = new Map<number, number>()
  client.on('message', (_topic, payload) => {
    const id = Number(payload.toString())
    counts.set(id, (counts.get(id) ?? 0) + 1)
  })
  return counts
}

test('chaos: subscriber node and publisher node SIGKILLed mid-run; nothing acknowledged is lost, QoS 2 exactly once', async (t) => {
  const redis = await startRedis()
  const cluster = await startBrokerCluster({ nodes: 3, redisUrl: redis.url, idPrefix: 'chaos', args: ['--node-timeout-ms', '3000'] })
  const clients: MqttClient[] = []
  t.after(async () => {
    clients.forEach((c) => c.end(true))
    await cluster.stop()
    await redis.stop()
  })
  const [a, b, c] = cluster.nodes as [ClusterNodeProcess, ClusterNodeProcess, ClusterNodeProcess]

  const subs = [clientOn([b, c], 'chaos-sub-1'), clientOn([b, c], 'chaos-sub-2')]
  clients.push(...subs)
  await Promise.all(subs.map((s) => nextEvent(s, 'connect')))
  const got = subs.map(countReceived)
  await subs[0]!.subscribeAsync('chaos/q1', { qos: 1 })
  await subs[1]!.subscribeAsync('chaos/q2', { qos: 2 })

  const pubs = [clientOn([a, c], 'chaos-pub-1'), clientOn([a, c], 'chaos-pub-2')]
  clients.push(...pubs)
  await Promise.all(pubs.map((p) => nextEvent(p, 'connect')))
  const start = Date.now()
  const q1 = publishSteadily(pubs[0]!, 'chaos/q1', 1, start + RUN_MS)
  const q2 = publishSteadily(pubs[1]!, 'chaos/q2', 2, start + RUN_MS)

  await delay(KILL_B_AT_MS)
  await b.kill()
  await delay(KILL_A_AT_MS - (Date.now() - start))
  await a.kill()
  await delay(RUN_MS - (Date.now() - start))

  // Publishers resend what was in flight when A died; wait until every publish got its answer.
  await waitFor(() => q1.pending.size + q2.pending.size === 0, () => `publishes in flight to settle (${q1.pending.size + q2.pending.size} left)`, 20_000, 100)
  const missing = (p: Publisher, counts: Map<number, number>): number[] => [...p.acked].filter((id) => !counts.has(id))
  await waitFor(() => missing(q1, got[0]!).length + missing(q2, got[1]!).length === 0, () =>
    `acknowledged messages to arrive: QoS 1 missing ${missing(q1, got[0]!).length}, QoS 2 missing ${missing(q2, got[1]!).length}`, 20_000, 100)

  const dup1 = [...got[0]!.values()].filter((n) => n > 1).length
  const dup2 = [...got[1]!.values()].filter((n) => n > 1).length
  console.log(`chaos QoS 1: sent ${q1.sent}, acknowledged ${q1.acked.size}, received ${got[0]!.size} distinct, ${dup1} duplicated, lost 0`)
  console.log(`chaos QoS 2: sent ${q2.sent}, acknowledged ${q2.acked.size}, received ${got[1]!.size} distinct, ${dup2} duplicated, lost 0`)
  assert.ok(q1.acked.size > q1.sent * 0.8 && q2.acked.size > q2.sent * 0.8, 'most publishes were acknowledged (the cluster kept serving)')
  assert.equal(dup2, 0, 'QoS 2: each message exactly once')
  assert.equal(subs.every((s) => s.connected) && pubs.every((p) => p.connected), true, 'every client found a surviving node')
})
