import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MqttClient } from 'mqtt'
import { startRedis, startBrokerCluster, connectMqtt, waitFor, type ClusterNodeProcess } from '@siar/testing'

// Redis stops (SIGTERM) and comes back on the same port with its data (AOF).
// The broker processes live through it: not ready while it is gone (the JSON
// says why), ready again by themselves, no acknowledged QoS 1 message lost,
// one log line per state change, memory flat.

const PUBLISH_EVERY_MS = 10

async function readyz (node: ClusterNodeProcess): Promise<{ status: number, body: any }> {
  const res = await fetch(`${node.httpUrl}/readyz`)
  return { status: res.status, body: await res.json() }
}

function rssKb (pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0)
}

/** Publishes `n`, `n+1`, … at QoS 1 until stopped; remembers which ones the broker acknowledged. */
function steadyPublisher (client: MqttClient, topic: string): { acked: Set<number>, refused: () => number, stop: () => Promise<void> } {
  const acked = new Set<number>()
  let refused = 0
  let running = true
  let n = 0
  const loop = (async () => {
    while (running) {
      const id = n++
      try {
        const packet = await client.publishAsync(topic, String(id), { qos: 1 })
        // v5: a PUBACK with a failure reason code is a refusal, not an acknowledgement.
        if (packet === undefined || ((packet as { reasonCode?: number }).reasonCode ?? 0) < 0x80) acked.add(id)
        else refused++
      } catch {
        refused++
      }
      await new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS))
    }
  })()
  return { acked, refused: () => refused, stop: async () => { running = false; await loop } }
}

test('Redis stop/start: brokers survive, /readyz 503 then 200 by itself, no acknowledged QoS 1 message lost, one log line per change', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-redis-aof-'))
  const aof = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]
  let redis = await startRedis({ args: aof })
  const port = redis.port
  const cluster = await startBrokerCluster({ nodes: 2, redisUrl: redis.url, idPrefix: 'outage', env: { SIAR_LOG_LEVEL: 'info' } })
  t.after(async () => {
    await cluster.stop()
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const [a, b] = cluster.nodes as [ClusterNodeProcess, ClusterNodeProcess]

  const sub = await connectMqtt(b.mqttUrl, { protocolVersion: 5, clientId: 'outage-sub', clean: false, properties: { sessionExpiryInterval: 600 }, reconnectPeriod: 300 })
  t.after(() => sub.end(true))
  const received = new Set<number>()
  sub.on('message', (_topic, payload) => received.add(Number(payload.toString())))
  let subReconnects = 0
  sub.on('reconnect', () => { subReconnects++ })
  await sub.subscribeAsync('outage/t', { qos: 1 })
  const pubClient = await connectMqtt(a.mqttUrl, { protocolVersion: 5, clientId: 'outage-pub', reconnectPeriod: 300 })
  t.after(() => pubClient.end(true))
  const pub = steadyPublisher(pubClient, 'outage/t')
  await waitFor(() => received.size >= 50, 'traffic before the outage')
  const rssBefore = [a, b].map((n) => rssKb(n.process.pid))

  await redis.stop('SIGTERM')
  for (const node of [a, b]) {
    const down = await waitFor(async () => { const r = await readyz(node); return r.status === 503 ? r : undefined }, `${node.nodeId} not ready`, 10_000, 50)
    assert.equal(down.body.checks.redis.ok, false)
    assert.match(down.body.checks.redis.detail, /Redis at redis:\/\/127\.0\.0\.1:\d+ unreachable/, 'the JSON says why')
  }
  // Keep publishing into the outage for a while: every publish is refused, none is acknowledged and lost.
  const refusedAtStop = pub.refused()
  await waitFor(() => pub.refused() >= refusedAtStop + 100, () => `publishes refused during the outage (${pub.refused() - refusedAtStop})`, 15_000)
  assert.equal(a.process.child.exitCode, null, 'node A is still running')
  assert.equal(b.process.child.exitCode, null, 'node B is still running')

  redis = await startRedis({ port, args: aof })
  for (const node of [a, b]) {
    await waitFor(async () => (await readyz(node)).status === 200, `${node.nodeId} ready again`, 15_000, 50)
  }
  const ackedAtRecovery = pub.acked.size
  await waitFor(() => pub.acked.size >= ackedAtRecovery + 50, 'acknowledged publishes after recovery', 10_000)
  await pub.stop()

  // What was published while B's bus connection was still reconnecting is not pushed live but
  // is in the session's queue; a reconnect (as any client does after a hiccup) delivers it.
  const receivedLive = received.size
  sub.end(true)
  const again = await connectMqtt(b.mqttUrl, { protocolVersion: 5, clientId: 'outage-sub', clean: false, properties: { sessionExpiryInterval: 600 } })
  t.after(() => again.end(true))
  again.on('message', (_topic, payload) => received.add(Number(payload.toString())))
  await waitFor(() => [...pub.acked].every((id) => received.has(id)),
    () => `every acknowledged message (${pub.acked.size}) to arrive, missing ${[...pub.acked].filter((id) => !received.has(id)).slice(0, 10).join(',')}`, 10_000)
  console.log(`outage: ${pub.acked.size} acknowledged, ${received.size} received, ${pub.refused()} refused, subscriber reconnected ${subReconnects} times, ${received.size - receivedLive} only from the session queue`)

  for (const node of [a, b]) {
    const lines = node.process.output().split('\n')
    const wentDown = lines.filter((l) => l.includes('Redis unreachable')).length
    const cameBack = lines.filter((l) => l.includes('Redis reachable')).length
    assert.equal(wentDown, 1, `${node.nodeId}: one line when Redis went away, got ${wentDown}`)
    assert.equal(cameBack, 2, `${node.nodeId}: one line at start-up and one when it came back, got ${cameBack}`)
    const warnings = lines.filter((l) => /"level":(40|50)/.test(l)).length
    assert.ok(warnings <= 5, `${node.nodeId}: ${warnings} warn/error lines for one outage (not one per message):\n${lines.filter((l) => /"level":(40|50)/.test(l)).join('\n')}`)
  }
  const rssAfter = [a, b].map((n) => rssKb(n.process.pid))
  console.log(`RSS before/after (kB): ${rssBefore.join('/')} → ${rssAfter.join('/')}`)
  for (let i = 0; i < 2; i++) assert.ok(rssAfter[i]! - rssBefore[i]! < 64 * 1024, `RSS grew by ${rssAfter[i]! - rssBefore[i]!} kB`)
})

test('while Redis is down: v5 QoS 1/2 refused with 0x83 and a reason, v3 QoS 1 closes the connection, QoS 0 still reaches local subscribers', async (t) => {
  let redis = await startRedis()
  const cluster = await startBrokerCluster({ nodes: 1, redisUrl: redis.url, idPrefix: 'down' })
  t.after(async () => {
    await cluster.stop()
    await redis.stop()
  })
  const [node] = cluster.nodes as [ClusterNodeProcess]
  const localSub = await connectMqtt(node.mqttUrl, { protocolVersion: 4 })
  t.after(() => localSub.end(true))
  const got: string[] = []
  localSub.on('message', (_topic, payload) => got.push(payload.toString()))
  await localSub.subscribeAsync('down/#', { qos: 1 })
  const v5 = await connectMqtt(node.mqttUrl, { protocolVersion: 5 })
  t.after(() => v5.end(true))
  const v3 = await connectMqtt(node.mqttUrl, { protocolVersion: 4 })
  t.after(() => v3.end(true))

  await redis.stop()
  await waitFor(async () => (await readyz(node)).status === 503, 'not ready')

  for (const qos of [1, 2] as const) {
    const refusal = await v5.publishAsync('down/v5', `q${qos}`, { qos }).then(() => undefined, (err: { code?: number, message: string }) => err)
    assert.equal(refusal?.code, 0x83, `QoS ${qos}: 0x83 Implementation specific error, not 0x87 Not authorized`)
  }
  await v3.publishAsync('down/v3', 'at most once', { qos: 0 })
  await waitFor(() => got.includes('at most once'), 'a QoS 0 message delivered on this node during the outage')
  await v3.publishAsync('down/v3', 'retained', { qos: 0, retain: true })
  assert.equal(v3.connected, true, 'a v3 QoS 0 publisher keeps its connection')
  const closed = new Promise<void>((resolve) => v3.once('close', () => resolve()))
  v3.publish('down/v3', 'q1', { qos: 1 })
  await closed
  assert.deepEqual(got, ['at most once'], 'nothing refused was delivered')

  redis = await startRedis({ port: redis.port })
  await waitFor(async () => (await readyz(node)).status === 200, 'ready again', 15_000, 50)
  const ack = await v5.publishAsync('down/v5', 'back', { qos: 1 })
  assert.equal((ack as { reasonCode?: number } | undefined)?.reasonCode ?? 0, 0)
})
