import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, MessageCollector } from '@siar/testing'
import { connectTapped } from '../mqtt5/wire-tap.js'
import { startPlainAedes } from './plain-aedes.js'

// §3.3.2.3.4: the Server MAY use a Topic Alias toward a client whose CONNECT
// Topic Alias Maximum is above 0; [MQTT-3.3.2-9] never above that maximum,
// [MQTT-3.3.2-8] none at all when the client allows none.

async function subscribeAndPublish (port: number, t: any, connectProps: Record<string, number>, topics: string[]): Promise<any> {
  const { client: sub, tap } = await connectTapped(port, { protocolVersion: 5, properties: connectProps })
  t.after(() => sub.end(true))
  const collector = new MessageCollector(sub)
  await sub.subscribeAsync('ta/#', { qos: 2 })
  const pub = await connectMqtt(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  let n = 0
  for (const topic of topics) await pub.publishAsync(topic, `p${n++}`, { qos: (n % 3) as 0 | 1 | 2 })
  await collector.waitForCount(topics.length)
  return { tap, collector }
}

test('upstream still broken: plain aedes never assigns a topic alias', async (t) => {
  const plain = await startPlainAedes()
  t.after(() => plain.close())
  const { tap } = await subscribeAndPublish(plain.port, t, { topicAliasMaximum: 10 }, ['ta/x', 'ta/x', 'ta/x'])
  assert.ok(tap.publishes().every((p: any) => p.properties?.topicAlias === undefined),
    'plain aedes sends aliases now: upstream implemented server topic aliases; compare with aedes-fixes/server-topic-alias.ts')
})

test('siar sends the topic with a new alias once, then the alias alone; mqtt.js restores the topic', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const { tap, collector } = await subscribeAndPublish(tb.port, t, { topicAliasMaximum: 1 }, ['ta/x', 'ta/x', 'ta/x', 'ta/x'])
  const wire = tap.publishes().map((p: any) => [p.topic, p.properties?.topicAlias, p.qos])
  // QoS 2 keeps its topic name next to the alias (mqtt.js loses an alias-only topic on QoS 2).
  assert.deepEqual(wire, [['ta/x', 1, 1], ['ta/x', 1, 2], ['', 1, 0], ['', 1, 1]])
  assert.deepEqual(collector.messages.map((m: any) => [m.topic, m.payload, m.qos]), [['ta/x', 'p0', 1], ['ta/x', 'p1', 2], ['ta/x', 'p2', 0], ['ta/x', 'p3', 1]])
})

test('siar never uses more aliases than the client allows: later topics go in full', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const { tap, collector } = await subscribeAndPublish(tb.port, t, { topicAliasMaximum: 2 }, ['ta/a', 'ta/b', 'ta/c', 'ta/a', 'ta/c', 'ta/b', 'ta/a'])
  const wire = tap.publishes().map((p: any) => [p.topic, p.properties?.topicAlias])
  assert.deepEqual(wire, [['ta/a', 1], ['ta/b', 2], ['ta/c', undefined], ['', 1], ['ta/c', undefined], ['', 2], ['', 1]])
  assert.deepEqual(collector.messages.map((m: any) => m.topic), ['ta/a', 'ta/b', 'ta/c', 'ta/a', 'ta/c', 'ta/b', 'ta/a'])
})

test('siar sends no alias to a client that allows none, nor to a v3.1.1 client', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const { tap } = await subscribeAndPublish(tb.port, t, {}, ['ta/x', 'ta/x'])
  assert.ok(tap.publishes().every((p: any) => p.topic === 'ta/x' && p.properties?.topicAlias === undefined))

  const { client: v4, tap: tap4 } = await connectTapped(tb.port, { protocolVersion: 4 })
  t.after(() => v4.end(true))
  const c4 = new MessageCollector(v4)
  await v4.subscribeAsync('ta4/x')
  const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  await pub.publishAsync('ta4/x', 'a')
  await pub.publishAsync('ta4/x', 'b')
  await c4.waitForCount(2)
  assert.ok(tap4.publishes().every((p: any) => p.topic === 'ta4/x'))
})

test('aliases are per connection: a reconnecting session starts over at topic + alias', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const opts = { protocolVersion: 5 as const, clientId: 'ta-re', properties: { topicAliasMaximum: 5, sessionExpiryInterval: 60 } }
  const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  const first = await connectTapped(tb.port, opts)
  await first.client.subscribeAsync('tr/x', { qos: 1 })
  await pub.publishAsync('tr/x', 'one', { qos: 1 })
  await first.tap.waitFor((p: any) => p.cmd === 'publish', 'first message')
  await first.client.endAsync()
  const second = await connectTapped(tb.port, { ...opts, clean: false })
  t.after(() => second.client.end(true))
  await pub.publishAsync('tr/x', 'two', { qos: 1 })
  const p = await second.tap.waitFor((p: any) => p.cmd === 'publish', 'second message')
  assert.deepEqual([p.topic, p.properties?.topicAlias], ['tr/x', 1])
})
