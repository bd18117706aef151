import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import mqtt from 'mqtt'
import { startRedis, startBrokerCluster, connectMqtt, MessageCollector, waitFor, nextEvent, type BrokerCluster } from '@siar/testing'

// Two clusters on one Redis, told apart by --redis-key-prefix: neither sees
// the other's messages, retained messages, sessions or client ids.

test('two clusters with different key prefixes on one Redis do not see each other', async (t) => {
  const redis = await startRedis()
  const clusters: BrokerCluster[] = []
  t.after(async () => {
    await Promise.all(clusters.map((c) => c.stop()))
    await redis.stop()
  })
  const [x, y] = await Promise.all(['x', 'y'].map((name) =>
    startBrokerCluster({ nodes: 2, redisUrl: redis.url, idPrefix: name, args: ['--redis-key-prefix', `${name}:`] })))
  clusters.push(x!, y!)
  const url = (c: BrokerCluster, i: number): string => c.nodes[i]!.mqttUrl

  // Live messages, across the nodes of each cluster only.
  const subs = await Promise.all([x!, y!].map((c) => connectMqtt(url(c, 1))))
  t.after(() => subs.forEach((s) => s.end(true)))
  const got = subs.map((s) => new MessageCollector(s))
  await Promise.all(subs.map((s) => s.subscribeAsync('kp/#', { qos: 1 })))
  const pubs = await Promise.all([x!, y!].map((c) => connectMqtt(url(c, 0))))
  t.after(() => pubs.forEach((p) => p.end(true)))
  await pubs[0]!.publishAsync('kp/a', 'from-x', { qos: 1, retain: true })
  await pubs[1]!.publishAsync('kp/a', 'from-y', { qos: 1, retain: true })
  for (const p of pubs) await p.publishAsync('kp/marker', 'm', { qos: 1 })
  for (const [i, name] of ['x', 'y'].entries()) {
    await waitFor(() => got[i]!.messages.some((m) => m.topic === 'kp/marker'), `marker in cluster ${name}`)
    assert.deepEqual(got[i]!.messages.map((m) => m.payload), [`from-${name}`, 'm'], `cluster ${name} sees its own messages only`)
  }

  // Retained messages.
  for (const [i, c] of [x!, y!].entries()) {
    const late = await connectMqtt(url(c, 1))
    t.after(() => late.end(true))
    const lateGot = new MessageCollector(late)
    await late.subscribeAsync('kp/a', { qos: 1 })
    const [m] = await lateGot.waitForCount(1)
    assert.equal(m?.payload, i === 0 ? 'from-x' : 'from-y')
  }

  // Sessions and client ids: the same id in both clusters is two different clients.
  const session = { clientId: 'kp-same', protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 300 } }
  const inX = await connectMqtt(url(x!, 0), session)
  t.after(() => inX.end(true))
  await inX.subscribeAsync('kp/session', { qos: 1 })
  let kickedOut = false
  inX.on('disconnect', () => { kickedOut = true })
  const inY = mqtt.connect(url(y!, 0), { ...session, reconnectPeriod: 0 })
  t.after(() => inY.end(true))
  const [connack] = await nextEvent<[{ sessionPresent: boolean }]>(inY, 'connect')
  assert.equal(connack.sessionPresent, false, 'cluster y knows nothing of cluster x\'s session')
  // A round trip on the first connection after the second connected: a takeover would have come first.
  await inX.publishAsync('kp/ping', 'x', { qos: 1 })
  assert.equal(kickedOut || !inX.connected, false, 'no takeover across clusters')

  // Every key either cluster wrote carries its prefix.
  const probe = new Redis(redis.port, '127.0.0.1')
  t.after(() => probe.disconnect())
  const keys = await probe.keys('*')
  assert.ok(keys.length > 0)
  assert.deepEqual(keys.filter((k) => !k.startsWith('x:') && !k.startsWith('y:')), [], 'no key outside the two prefixes')
})

test('two clusters on different databases of one Redis (same key prefix) do not hear each other', async (t) => {
  const redis = await startRedis()
  const clusters: BrokerCluster[] = []
  t.after(async () => {
    await Promise.all(clusters.map((c) => c.stop()))
    await redis.stop()
  })
  const [one, two] = await Promise.all([1, 2].map((db) =>
    startBrokerCluster({ nodes: 1, redisUrl: `${redis.url}/${db}`, idPrefix: `db${db}` })))
  clusters.push(one!, two!)
  const subs = await Promise.all([one!, two!].map((c) => connectMqtt(c.nodes[0]!.mqttUrl, { protocolVersion: 5, clientId: 'db-same-id' })))
  t.after(() => subs.forEach((s) => s.end(true)))
  const got = subs.map((s) => new MessageCollector(s))
  await Promise.all(subs.map((s) => s.subscribeAsync('db/#', { qos: 1 })))
  const pubs = await Promise.all([one!, two!].map((c) => connectMqtt(c.nodes[0]!.mqttUrl)))
  t.after(() => pubs.forEach((p) => p.end(true)))
  await pubs[0]!.publishAsync('db/a', 'one', { qos: 1 })
  await pubs[1]!.publishAsync('db/a', 'two', { qos: 1 })
  for (const p of pubs) await p.publishAsync('db/marker', 'm', { qos: 1 })
  for (const [i, name] of ['one', 'two'].entries()) {
    await waitFor(() => got[i]!.messages.some((m) => m.topic === 'db/marker'), `marker in cluster ${name}`)
    assert.deepEqual(got[i]!.messages.map((m) => m.payload), [name, 'm'], `cluster ${name} sees its own messages only`)
  }
  assert.equal(subs.every((s) => s.connected), true, 'the same client id in both clusters: no takeover across them')
})
