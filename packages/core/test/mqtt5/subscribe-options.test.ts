import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, MessageCollector, waitFor, type TestBroker } from '@siar/testing'
import type { MqttClient } from 'mqtt'

// Subscription options of MQTT 5 (§3.8.3.1): No Local [MQTT-3.8.3-3], Retain As Published
// [MQTT-3.3.1-12/13], Retain Handling [MQTT-3.3.1-9/10/11].

async function v5 (tb: TestBroker, t: any): Promise<{ client: MqttClient, got: MessageCollector }> {
  const client = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => client.end(true))
  return { client, got: new MessageCollector(client) }
}

test('No Local: a client does not get its own messages on that subscription, others still do', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const { client: self, got } = await v5(tb, t)
  const { client: other, got: otherGot } = await v5(tb, t)
  await self.subscribeAsync('nl/t', { qos: 1, nl: true })
  await self.subscribeAsync('nl/own', { qos: 1, nl: false })
  await other.subscribeAsync('nl/t', { qos: 1 })
  await self.publishAsync('nl/t', 'mine', { qos: 1 })
  await self.publishAsync('nl/own', 'sentinel', { qos: 1 }) // a subscription without No Local: arrives after
  await got.waitForTopic('nl/own')
  await otherGot.waitForTopic('nl/t')
  assert.deepEqual(got.messages.map((m) => m.topic), ['nl/own'])
  await other.publishAsync('nl/t', 'theirs', { qos: 1 })
  assert.equal((await got.waitForTopic('nl/t')).payload, 'theirs')
})

test('Retain As Published keeps the RETAIN flag on live delivery; without it the flag is cleared', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const { client: keep, got: kept } = await v5(tb, t)
  const { client: clear, got: cleared } = await v5(tb, t)
  await keep.subscribeAsync('rap/t', { qos: 1, rap: true })
  await clear.subscribeAsync('rap/t', { qos: 1, rap: false })
  const { client: pub } = await v5(tb, t)
  await pub.publishAsync('rap/t', 'r', { qos: 1, retain: true })
  assert.equal((await kept.waitForTopic('rap/t')).retain, true)
  assert.equal((await cleared.waitForTopic('rap/t')).retain, false)
})

/** One SUBSCRIBE: `filter` with Retain Handling `rh`, plus a sentinel filter (rh 0) whose retained message ends the batch. */
async function retainedOnSubscribe (client: MqttClient, got: MessageCollector, rh: 0 | 1 | 2): Promise<number> {
  const before = got.messages.length
  await client.subscribeAsync({ 'rh/t': { qos: 1, rh }, 'rh/sentinel': { qos: 1, rh: 0 } })
  await waitFor(() => got.messages.slice(before).some((m) => m.topic === 'rh/sentinel'), 'retained sentinel')
  return got.messages.slice(before).filter((m) => m.topic === 'rh/t').length
}

test('Retain Handling 0 sends retained messages on every SUBSCRIBE, 1 only for a new subscription, 2 never', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const { client: pub } = await v5(tb, t)
  await pub.publishAsync('rh/t', 'kept', { qos: 1, retain: true })
  await pub.publishAsync('rh/sentinel', 's', { qos: 1, retain: true })

  const { client: c0, got: g0 } = await v5(tb, t)
  assert.equal(await retainedOnSubscribe(c0, g0, 0), 1)
  assert.equal(await retainedOnSubscribe(c0, g0, 0), 1, 'rh 0: again on re-subscribe')
  assert.equal(g0.messages.find((m) => m.topic === 'rh/t')?.retain, true, 'retained on subscribe carries RETAIN [MQTT-3.3.1-8]')

  const { client: c1, got: g1 } = await v5(tb, t)
  assert.equal(await retainedOnSubscribe(c1, g1, 1), 1, 'rh 1: new subscription')
  assert.equal(await retainedOnSubscribe(c1, g1, 1), 0, 'rh 1: not for an existing one')

  const { client: c2, got: g2 } = await v5(tb, t)
  assert.equal(await retainedOnSubscribe(c2, g2, 2), 0, 'rh 2: never')
})
