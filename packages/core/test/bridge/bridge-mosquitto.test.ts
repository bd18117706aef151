import { test } from 'node:test'
import assert from 'node:assert/strict'
import mqtt from 'mqtt'
import { connectMqtt, MessageCollector, startTestBroker, waitFor, type TestBroker } from '@siar/testing'
import type { BrokerOptionsInput } from '@siar/core'
import { startMosquitto, type Mosquitto } from './mosquitto-fixture.js'

type After = { after: (fn: () => unknown) => void }

async function setUp (t: After, bridge: Record<string, unknown>): Promise<{ mosq: Mosquitto, local: TestBroker }> {
  const mosq = await startMosquitto()
  t.after(() => mosq.cleanup())
  const local = await startTestBroker({
    bridges: [{ name: 'mosq', url: mosq.url, reconnectMinMs: 200, reconnectMaxMs: 1000, ...bridge }]
  } as BrokerOptionsInput)
  t.after(() => local.close())
  await waitFor(() => local.broker.readiness().bridges?.[0]?.connected, 'the bridge to connect', 10_000)
  return { mosq, local }
}

test('siar → Mosquitto with QoS 1, both ways, prefixes remapped', async (t) => {
  const { mosq, local } = await setUp(t, {
    topics: [
      { pattern: 'telemetry/#', direction: 'out', qos: 1, localPrefix: 'plant/', remotePrefix: 'cloud/plant/' },
      { pattern: 'config/#', direction: 'in', qos: 1, localPrefix: 'plant/', remotePrefix: 'cloud/plant/' }
    ]
  })
  const remoteSub = await connectMqtt(mosq.url)
  t.after(() => remoteSub.endAsync())
  const atRemote = new MessageCollector(remoteSub)
  await remoteSub.subscribeAsync('cloud/#', { qos: 1 })
  const localSub = await connectMqtt(local.mqttUrl)
  t.after(() => localSub.endAsync())
  const atLocal = new MessageCollector(localSub)
  await localSub.subscribeAsync('plant/config/#', { qos: 1 })

  const pub = await connectMqtt(local.mqttUrl)
  t.after(() => pub.endAsync())
  for (let i = 0; i < 20; i++) await pub.publishAsync(`plant/telemetry/line${i % 3}`, `m${i}`, { qos: 1 })
  await atRemote.waitForCount(20)
  assert.deepEqual(atRemote.messages.map((m) => m.payload), Array.from({ length: 20 }, (_, i) => `m${i}`), 'all, in order')
  assert.ok(atRemote.messages.every((m) => m.qos === 1 && m.topic.startsWith('cloud/plant/telemetry/line')))

  const remotePub = await connectMqtt(mosq.url)
  t.after(() => remotePub.endAsync())
  await remotePub.publishAsync('cloud/plant/config/setpoint', '42', { qos: 1 })
  const got = await atLocal.waitForTopic('plant/config/setpoint')
  assert.equal(got.payload, '42')
  assert.equal(got.qos, 1)
})

test('Mosquitto restart: messages published meanwhile are buffered and delivered in order', async (t) => {
  const { mosq, local } = await setUp(t, { topics: [{ pattern: 'q/#', direction: 'out', qos: 1 }] })
  // A persistent subscriber on Mosquitto: its session and queue survive the restart.
  const subOpts = { clientId: 'cloud-consumer', clean: false }
  const sub1 = await connectMqtt(mosq.url, subOpts)
  await sub1.subscribeAsync('q/#', { qos: 1 })
  await sub1.endAsync()

  await mosq.stop()
  await waitFor(() => local.broker.readiness().bridges?.[0]?.connected === false, 'the bridge to notice the remote is gone')
  const pub = await connectMqtt(local.mqttUrl)
  t.after(() => pub.endAsync())
  const n = 50
  for (let i = 0; i < n; i++) await pub.publishAsync(`q/${i % 4}`, String(i), { qos: 1 })
  const state = local.broker.readiness().bridges?.[0]
  assert.equal(state?.buffered, n, 'held while the remote is away')
  assert.equal(state?.messagesOut, 0)

  await mosq.start()
  await waitFor(() => local.broker.readiness().bridges?.[0]?.messagesOut === n, 'the buffer to drain', 15_000)
  assert.equal(local.broker.readiness().bridges?.[0]?.buffered, 0)
  // Collector first: Mosquitto sends the queue right behind the CONNACK.
  const sub2 = mqtt.connect(mosq.url, { ...subOpts, reconnectPeriod: 0 })
  t.after(() => sub2.endAsync())
  const got = new MessageCollector(sub2)
  await got.waitForCount(n)
  assert.deepEqual(got.messages.map((m) => Number(m.payload)), Array.from({ length: n }, (_, i) => i), 'in order, none lost, none twice')
})

test('MQTT 3.1.1 with try_private: Mosquitto does not echo a shared topic back', async (t) => {
  const { mosq, local } = await setUp(t, { tryPrivate: true, topics: [{ pattern: 'both/#', direction: 'both', qos: 1 }] })
  const localSub = await connectMqtt(local.mqttUrl)
  t.after(() => localSub.endAsync())
  const atLocal = new MessageCollector(localSub)
  await localSub.subscribeAsync('both/#', { qos: 1 })
  const remoteSub = await connectMqtt(mosq.url)
  t.after(() => remoteSub.endAsync())
  const atRemote = new MessageCollector(remoteSub)
  await remoteSub.subscribeAsync('both/#', { qos: 1 })
  const pub = await connectMqtt(local.mqttUrl)
  t.after(() => pub.endAsync())
  const remotePub = await connectMqtt(mosq.url)
  t.after(() => remotePub.endAsync())
  await pub.publishAsync('both/out', 'x', { qos: 1 })
  await remotePub.publishAsync('both/in', 'y', { qos: 1 })
  await atRemote.waitForTopic('both/out')
  await atLocal.waitForTopic('both/in')
  await pub.publishAsync('both/end', 'z', { qos: 1 })
  await remotePub.publishAsync('both/end2', 'z', { qos: 1 })
  await atRemote.waitForTopic('both/end')
  await atLocal.waitForTopic('both/end2')
  const count = (c: MessageCollector, topic: string): number => c.messages.filter((m) => m.topic === topic).length
  assert.deepEqual([count(atLocal, 'both/out'), count(atLocal, 'both/in')], [1, 1])
  assert.deepEqual([count(atRemote, 'both/out'), count(atRemote, 'both/in')], [1, 1])
})
