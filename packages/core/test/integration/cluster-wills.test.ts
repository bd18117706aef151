import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { startRedis, startBrokerCluster, connectMqtt, MessageCollector, waitFor } from '@siar/testing'

// A node killed with SIGKILL says nothing to anyone: its clients' wills are
// published by a surviving node once the dead node's liveness key expires
// (nodeTimeoutMs) and the next will sweep runs (every nodeTimeoutMs / 2), and
// by exactly one survivor (a Redis lock per will).

const NODE_TIMEOUT_MS = 3_000
const SWEEP_PERIOD_MS = NODE_TIMEOUT_MS / 2
// Process start-up jitter, the sweep itself and delivery on loopback.
const SLACK_MS = 1_500
// After the last will arrived, keep counting this long: a second sweep would have run twice over.
const QUIET_WINDOW_MS = 2 * SWEEP_PERIOD_MS + 500

test('SIGKILLed node: each of its clients\' wills is published exactly once by a survivor, within nodeTimeoutMs + one sweep', async (t) => {
  const redis = await startRedis()
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
  const { Redis } = await import('ioredis')
  const probe = new Redis(redis.port, '127.0.0.1')
  t.after(() => probe.disconnect())
  assert.deepEqual(await probe.lrange('siar:will', 0, -1), [])
})
