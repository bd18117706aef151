import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { startRedis, startBrokerCluster, connectMqtt, MessageCollector, waitFor } from '@siar/testing'

// A node killed with SIGKILL says nothing to anyone: its clients' wills are
// published by a surviving node once the dead node's liveness key expires
// (nodeTimeoutMs) and the next will sweep runs (every nodeTimeoutMs / 2), and
// by exactly one survivor (a Redis lock per will).

const NODE_TIMEOUT_MS = 3_000
const SWEEP_PERIOD_MS = NODE_TIMEOUT_MS / 2
// Process start-up jitter, the sweep itself and delivery on loopback.
const SLACK_MS = 1_500
// REDIS_RETRY_MAX_DELAY_MS: how long a survivor waits after connecting, on top of nodeTimeoutMs, before sweeping.
const SETTLE_EXTRA_MS = 2_000
// After the last will arrived, keep counting this long: a second sweep would have run twice over.
const QUIET_WINDOW_MS = 2 * SWEEP_PERIOD_MS + 500

test('SIGKILLed node: each of its clients\' wills is published exactly once by a survivor, within nodeTimeoutMs + one sweep', async (t) => {
  const redis = await startRedis()
  const startedAt = Date.now()
  const cluster = await startBrokerCluster({
    nodes: 3,
    redisUrl: redis.url,
    idPrefix: 'will',
    args: ['--node-timeout-ms', String(NODE_TIMEOUT_MS)]
  })
  t.after(async () => {
    await cluster.stop()
    await redis.stop()
  })
  const [doomed, b, c] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0], typeof cluster.nodes[0]]

  const watchers = await Promise.all([b, c].map((n) => connectMqtt(n.mqttUrl, { protocolVersion: 5 })))
  t.after(() => watchers.forEach((w) => w.end(true)))
  const seen = watchers.map((w) => new MessageCollector(w))
  await Promise.all(watchers.map((w) => w.subscribeAsync('wills/#', { qos: 1 })))

  const owners = [
    { clientId: 'will-v3', protocolVersion: 4 as const, will: { topic: 'wills/v3', payload: Buffer.from('v3 gone'), qos: 1 as const, retain: false } },
    { clientId: 'will-v5', protocolVersion: 5 as const, will: { topic: 'wills/v5', payload: Buffer.from('v5 gone'), qos: 1 as const, retain: false, properties: { contentType: 'text/plain', userProperties: { why: 'crash' } } } },
    { clientId: 'will-v5-retained', protocolVersion: 5 as const, will: { topic: 'wills/retained', payload: Buffer.from('offline'), qos: 1 as const, retain: true } }
  ]
  // Their sockets die with the process; reconnecting is not what this test is about.
  const clients = await Promise.all(owners.map((o) => connectMqtt(doomed.mqttUrl, { ...o, keepalive: 60 })))
  for (const client of clients) client.on('error', () => {})
  t.after(() => clients.forEach((cl) => cl.end(true)))
  // A will is stored on CONNECT; one PUBACK on each connection proves CONNECT was processed.
  await Promise.all(clients.map((cl) => cl.publishAsync('wills-ready', 'x', { qos: 1 })))

  // The bound holds for survivors that have seen Redis for nodeTimeoutMs + the 2 s reconnect
  // backoff (before that they declare no node dead: cluster/node-registry.ts settled()).
  await delay(Math.max(0, startedAt + NODE_TIMEOUT_MS + SETTLE_EXTRA_MS - Date.now()))
  const killedAt = Date.now()
  await doomed.kill()
  const bound = NODE_TIMEOUT_MS + SWEEP_PERIOD_MS + SLACK_MS
  for (const got of seen) {
    await waitFor(() => got.messages.length >= owners.length, () => `${owners.length} wills, have ${got.messages.length}`, bound + 5_000)
  }
  const elapsed = Date.now() - killedAt
  console.log(`wills arrived ${elapsed} ms after SIGKILL (bound ${bound} ms)`)
  assert.ok(elapsed <= bound, `wills took ${elapsed} ms, over the ${bound} ms bound`)

  await delay(QUIET_WINDOW_MS)
  for (const got of seen) {
    assert.deepEqual(got.messages.map((m) => m.topic).sort(), owners.map((o) => o.will.topic).sort(), 'each will exactly once')
    const v5 = got.messages.find((m) => m.topic === 'wills/v5')!
    assert.equal(v5.payload, 'v5 gone')
    assert.equal(v5.packet.properties?.contentType, 'text/plain')
    assert.deepEqual({ ...v5.packet.properties?.userProperties }, { why: 'crash' })
  }

  // The retained will is in the shared store: a new subscriber on any survivor gets it.
  const late = await connectMqtt(c.mqttUrl)
  t.after(() => late.end(true))
  const lateGot = new MessageCollector(late)
  await late.subscribeAsync('wills/retained', { qos: 1 })
  const [retained] = await lateGot.waitForCount(1)
  assert.deepEqual([retained?.payload, retained?.retain], ['offline', true])

  // And nothing is left to publish a second time: the will list in Redis is empty.
  const probe = new Redis(redis.port, '127.0.0.1')
  t.after(() => probe.disconnect())
  assert.deepEqual(await probe.lrange('siar:will', 0, -1), [])
})

test('a Redis outage longer than nodeTimeoutMs publishes no will of a client that is still connected', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-will-aof-'))
  const aof = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]
  let redis = await startRedis({ args: aof })
  const cluster = await startBrokerCluster({ nodes: 2, redisUrl: redis.url, idPrefix: 'willout', args: ['--node-timeout-ms', String(NODE_TIMEOUT_MS)] })
  t.after(async () => {
    await cluster.stop()
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const [a, b] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]]
  const owners = await Promise.all([a, b].map((n, i) => connectMqtt(n.mqttUrl, {
    clientId: `willout-${i}`, keepalive: 600, will: { topic: 'willout/gone', payload: Buffer.from(String(i)), qos: 1, retain: false }
  })))
  t.after(() => owners.forEach((o) => o.end(true)))
  await Promise.all(owners.map((o) => o.publishAsync('willout-ready', 'x', { qos: 1 })))

  await redis.stop()
  // Longer than the liveness TTL: every node's key has expired when Redis comes back.
  await delay(NODE_TIMEOUT_MS + 1_000)
  redis = await startRedis({ port: redis.port, args: aof })
  for (const node of [a, b]) {
    await waitFor(async () => (await fetch(`${node.httpUrl}/readyz`)).status === 200, `${node.nodeId} ready again`, 15_000, 50)
  }
  const watcher = await connectMqtt(b.mqttUrl)
  t.after(() => watcher.end(true))
  const got = new MessageCollector(watcher)
  await watcher.subscribeAsync('willout/#', { qos: 1 })
  // Two full liveness periods after recovery: any sweep that mistook a live node for dead has run.
  await delay(2 * (NODE_TIMEOUT_MS + SWEEP_PERIOD_MS))
  assert.deepEqual(got.messages.map((m) => m.payload), [], 'no will of a connected client')
  assert.equal(owners.every((o) => o.connected), true, 'the will owners are still connected')
  const probe = new Redis(redis.port, '127.0.0.1')
  t.after(() => probe.disconnect())
  assert.equal(await probe.llen('siar:will'), 2, 'both wills are still stored')
})
