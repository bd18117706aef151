import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, MessageCollector, waitFor } from '@siar/testing'

// [MQTT-3.3.2-5] If the Message Expiry Interval has passed and the Server has not managed to
// start onward delivery to a matching subscriber, then it MUST delete the copy of the message
// for that subscriber. [MQTT-3.3.2-6] The PUBLISH packet sent to a Client by the Server MUST
// contain a Message Expiry Interval set to the received value minus the time that the
// Application Message has been waiting in the Server.

test('queued messages: expired ones are not delivered, the others carry the time left', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const session = { protocolVersion: 5 as const, clientId: 'exp-q', properties: { sessionExpiryInterval: 60 } }
  const sub = await connectMqtt(tb.mqttUrl, session)
  await sub.subscribeAsync('exp/t', { qos: 2 })
  await sub.endAsync()
  const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  await pub.publishAsync('exp/t', 'short', { qos: 1, properties: { messageExpiryInterval: 1 } })
  await pub.publishAsync('exp/t', 'long', { qos: 2, properties: { messageExpiryInterval: 10 } })
  await pub.publishAsync('exp/t', 'forever', { qos: 1 })
  const queuedAt = Date.now()
  // What is under test is time passing in the queue: 2 s, so 'short' (1 s) expires.
  await waitFor(() => Date.now() - queuedAt >= 2100, '2 s in the queue', 5000)

  // Resumed as the Paho interoperability suite does: Clean Start 0 and no Session Expiry property.
  const again = await connectMqtt(tb.mqttUrl, { protocolVersion: 5, clientId: 'exp-q', clean: false })
  t.after(() => again.end(true))
  const got = new MessageCollector(again)
  await got.waitForCount(2)
  await pub.publishAsync('exp/t', 'sentinel', { qos: 1 })
  await waitFor(() => got.messages.some((m) => m.payload === 'sentinel'), 'sentinel')
  // (mqtt.js emits a QoS 2 message on PUBREL, so 'long' may come after 'forever')
  assert.deepEqual(got.messages.map((m) => m.payload).sort(), ['forever', 'long', 'sentinel'])
  const byPayload = (p: string): any => got.messages.find((m) => m.payload === p)?.packet.properties
  const left = byPayload('long')?.messageExpiryInterval
  assert.ok(left !== undefined && left >= 6 && left <= 8, `time left ${String(left)} s`)
  assert.equal(byPayload('forever')?.messageExpiryInterval, undefined, 'no expiry stays no expiry')
})

test('retained messages expire too, and are sent with the time left', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  await pub.publishAsync('expr/short', 'gone', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } })
  await pub.publishAsync('expr/long', 'kept', { qos: 1, retain: true, properties: { messageExpiryInterval: 30 } })
  const storedAt = Date.now()
  await waitFor(() => Date.now() - storedAt >= 1600, '1.6 s retained', 5000)
  const sub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => sub.end(true))
  const got = new MessageCollector(sub)
  await sub.subscribeAsync('expr/#', { qos: 1 })
  await got.waitForCount(1)
  await pub.publishAsync('expr/sentinel', 's', { qos: 1 })
  await got.waitForTopic('expr/sentinel')
  assert.deepEqual(got.messages.map((m) => m.topic), ['expr/long', 'expr/sentinel'])
  const left = got.messages[0]?.packet.properties?.messageExpiryInterval
  assert.ok(left !== undefined && left >= 27 && left <= 29, `time left ${String(left)} s`)
})
