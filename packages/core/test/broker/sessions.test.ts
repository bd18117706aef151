import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, connectWithConnack, MessageCollector, waitFor } from '@siar/testing'

const cases = [
  { name: 'v3.1.1 clean=false', connect: { protocolVersion: 4 as const, clean: false } },
  { name: 'v5 session expiry', connect: { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 300 } } }
]

for (const c of cases) {
  test(`persistent session (${c.name}): queued QoS 1 and 2 are delivered on resume with sessionPresent`, async (t) => {
    const b = await startTestBroker()
    t.after(() => b.close())
    const clientId = `persist-${c.connect.protocolVersion}`
    const first = await connectMqtt(b.mqttUrl, { ...c.connect, clientId })
    await first.subscribeAsync('jobs/#', { qos: 2 })
    await first.endAsync()

    const pub = await connectMqtt(b.mqttUrl)
    t.after(() => pub.end(true))
    await pub.publishAsync('jobs/1', 'one', { qos: 1 })
    await pub.publishAsync('jobs/2', 'two', { qos: 2 })
    await pub.publishAsync('jobs/3', 'zero', { qos: 0 })

    const { client: resumed, connack } = await connectWithConnack(b.mqttUrl, { ...c.connect, clientId })
    const got = new MessageCollector(resumed)
    t.after(() => resumed.end(true))
    assert.equal(connack.sessionPresent, true)
    const messages = await got.waitForCount(2)
    assert.deepEqual(messages.map((m) => m.payload).sort(), ['one', 'two'])
    // QoS 0 messages are not queued for offline sessions [MQTT-3.1.2-5 allows it; we do not].
    await pub.publishAsync('jobs/4', 'after', { qos: 1 })
    await got.waitForCount(3)
    assert.equal(got.messages.filter((m) => m.payload === 'zero').length, 0)
  })
}

test('clean start discards the old session: no sessionPresent, nothing queued', async (t) => {
  const b = await startTestBroker()
  t.after(() => b.close())
  const first = await connectMqtt(b.mqttUrl, { clientId: 'c1', clean: false })
  await first.subscribeAsync('q', { qos: 1 })
  await first.endAsync()
  const pub = await connectMqtt(b.mqttUrl)
  t.after(() => pub.end(true))
  await pub.publishAsync('q', 'queued', { qos: 1 })
  const { client: again, connack } = await connectWithConnack(b.mqttUrl, { clientId: 'c1', clean: true })
  const got = new MessageCollector(again)
  t.after(() => again.end(true))
  assert.equal(connack.sessionPresent, false)
  await again.subscribeAsync('marker', { qos: 1 })
  await pub.publishAsync('marker', 'm', { qos: 1 })
  await got.waitForTopic('marker')
  assert.equal(got.messages.some((m) => m.payload === 'queued'), false)
})

test('offline queue cap: newest messages past the cap are dropped and counted, the oldest kept', async (t) => {
  const b = await startTestBroker({ limits: { maxQueuedMessages: 5 } })
  t.after(() => b.close())
  const drops: string[] = []
  b.broker.events.on('messageDropped', (d) => drops.push(d.reason))
  const first = await connectMqtt(b.mqttUrl, { clientId: 'capped', clean: false })
  await first.subscribeAsync('cap', { qos: 1 })
  await first.endAsync()
  const pub = await connectMqtt(b.mqttUrl)
  t.after(() => pub.end(true))
  for (let i = 0; i < 8; i++) await pub.publishAsync('cap', `m${i}`, { qos: 1 })
  assert.deepEqual(drops, ['queue_full', 'queue_full', 'queue_full'])

  const resumed = await connectMqtt(b.mqttUrl, { clientId: 'capped', clean: false })
  t.after(() => resumed.end(true))
  const got = new MessageCollector(resumed)
  await got.waitForCount(5)
  await pub.publishAsync('cap', 'live', { qos: 1 })
  await waitFor(() => got.messages.some((m) => m.payload === 'live'), 'live message after resume')
  assert.deepEqual(got.messages.map((m) => m.payload), ['m0', 'm1', 'm2', 'm3', 'm4', 'live'])
})
