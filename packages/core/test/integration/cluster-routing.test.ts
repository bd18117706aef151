import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startRedis, startBrokerCluster, connectMqtt, MessageCollector, waitFor, type BrokerCluster, type RedisServer } from '@siar/testing'

// Three real `siar start` processes on one real redis-server: a message
// published on one node reaches subscribers on the others, once, with its
// MQTT 5 properties; retained messages are shared state.

let redis: RedisServer
let cluster: BrokerCluster

before(async () => {
  redis = await startRedis()
  cluster = await startBrokerCluster({ nodes: 3, redisUrl: redis.url, idPrefix: 'route' })
})
after(async () => {
  await cluster?.stop()
  await redis?.stop()
})

const url = (i: number): string => cluster.nodes[i]!.mqttUrl

for (const qos of [0, 1, 2] as const) {
  test(`QoS ${qos}: published on node A, received once on nodes B and C with v5 properties intact`, async (t) => {
    const subs = await Promise.all([1, 2].map((i) => connectMqtt(url(i), { protocolVersion: 5, clientId: `route-sub-${qos}-${i}` })))
    t.after(() => subs.forEach((s) => s.end(true)))
    const got = subs.map((s) => new MessageCollector(s))
    await Promise.all(subs.map((s) => s.subscribeAsync(`route/q${qos}/+`, { qos })))
    const pub = await connectMqtt(url(0), { protocolVersion: 5 })
    t.after(() => pub.end(true))

    const properties = {
      userProperties: { tenant: 'acme', trace: ['a', 'b'] },
      contentType: 'application/json',
      responseTopic: 'route/replies',
      correlationData: Buffer.from([0, 1, 2, 255]),
      messageExpiryInterval: 120,
      payloadFormatIndicator: true
    }
    await pub.publishAsync(`route/q${qos}/x`, '{"n":1}', { qos, properties })
    // A marker after the message: once it is in, a duplicate would have arrived too.
    await pub.publishAsync(`route/q${qos}/marker`, 'm', { qos })
    for (const c of got) {
      await waitFor(() => c.messages.some((m) => m.topic.endsWith('/marker')), `marker on ${qos}`)
      const copies = c.messages.filter((m) => m.topic === `route/q${qos}/x`)
      assert.equal(copies.length, 1, 'delivered exactly once across the cluster')
      const m = copies[0]!
      assert.equal(m.payload, '{"n":1}')
      assert.equal(m.qos, qos)
      const p = m.packet.properties ?? {}
      assert.deepEqual({ ...p.userProperties }, properties.userProperties)
      assert.equal(p.contentType, properties.contentType)
      assert.equal(p.responseTopic, properties.responseTopic)
      assert.deepEqual(Buffer.from(p.correlationData as Buffer), properties.correlationData)
      assert.equal(p.payloadFormatIndicator, true)
      // [MQTT-3.3.2-6] the expiry is the remaining lifetime: at most what was sent.
      assert.ok(typeof p.messageExpiryInterval === 'number' && p.messageExpiryInterval <= 120 && p.messageExpiryInterval >= 110,
        `message expiry forwarded, got ${p.messageExpiryInterval}`)
    }
  })
}

test('a subscriber on the publishing node gets the message once, not again via Redis', async (t) => {
  const local = await connectMqtt(url(0), { protocolVersion: 5 })
  t.after(() => local.end(true))
  const got = new MessageCollector(local)
  await local.subscribeAsync('route/local/#', { qos: 1 })
  const pub = await connectMqtt(url(0))
  t.after(() => pub.end(true))
  await pub.publishAsync('route/local/a', 'one', { qos: 1 })
  await pub.publishAsync('route/local/marker', 'm', { qos: 1 })
  await got.waitForCount(2)
  assert.deepEqual(got.messages.map((m) => m.topic), ['route/local/a', 'route/local/marker'])
})

test('wildcard subscriptions on other nodes match like MQTT, not like Redis globs', async (t) => {
  const sub = await connectMqtt(url(1))
  t.after(() => sub.end(true))
  const got = new MessageCollector(sub)
  await sub.subscribeAsync(['glob/+/end', 'glob/x/#'], { qos: 1 })
  const pub = await connectMqtt(url(2))
  t.after(() => pub.end(true))
  // `glob/*/end` in Redis would match `glob/a/b/end`; MQTT's `+` is one level only.
  for (const topic of ['glob/a/b/end', 'glob/a/end', 'glob/x', 'glob/xy/z', 'glob/x/deep/er', 'glob/[x]/end']) {
    await pub.publishAsync(topic, topic, { qos: 1 })
  }
  await pub.publishAsync('glob/marker/end', 'm', { qos: 1 })
  await waitFor(() => got.messages.some((m) => m.topic === 'glob/marker/end'), 'marker')
  assert.deepEqual(got.messages.map((m) => m.topic).sort(), ['glob/[x]/end', 'glob/a/end', 'glob/marker/end', 'glob/x', 'glob/x/deep/er'].sort())
})

test('retained: set through A, delivered on subscribe through B; cleared through C, gone on every node', async (t) => {
  const pubA = await connectMqtt(url(0))
  t.after(() => pubA.end(true))
  await pubA.publishAsync('route/retained/lamp', 'on', { qos: 1, retain: true })

  const subB = await connectMqtt(url(1))
  t.after(() => subB.end(true))
  const gotB = new MessageCollector(subB)
  await subB.subscribeAsync('route/retained/#', { qos: 1 })
  const [first] = await gotB.waitForCount(1)
  assert.deepEqual([first?.topic, first?.payload, first?.retain], ['route/retained/lamp', 'on', true])

  const pubC = await connectMqtt(url(2))
  t.after(() => pubC.end(true))
  await pubC.publishAsync('route/retained/lamp', '', { qos: 1, retain: true })
  // The clear is itself delivered live to B (zero-length payload), then nothing is retained.
  await waitFor(() => gotB.messages.length >= 2, 'the clearing publish reaches B live')

  for (const i of [0, 1, 2]) {
    const probe = await connectMqtt(url(i))
    t.after(() => probe.end(true))
    const got = new MessageCollector(probe)
    await probe.subscribeAsync('route/retained/#', { qos: 1 })
    await pubA.publishAsync('route/retained/marker', 'm', { qos: 1 })
    await waitFor(() => got.messages.some((m) => m.topic === 'route/retained/marker'), `marker on node ${i}`)
    assert.deepEqual(got.messages.map((m) => m.topic), ['route/retained/marker'], `no retained message left on node ${i}`)
  }
})
