import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, MessageCollector, waitFor } from '@siar/testing'

test('retained messages: set, replace, delivered on subscribe with the retain flag, cleared by an empty payload', async (t) => {
  const b = await startTestBroker()
  t.after(() => b.close())
  const pub = await connectMqtt(b.mqttUrl)
  t.after(() => pub.end(true))

  await pub.publishAsync('home/lamp', 'on', { qos: 1, retain: true })
  await pub.publishAsync('home/lamp', 'off', { qos: 1, retain: true })

  const first = await connectMqtt(b.mqttUrl, { protocolVersion: 5 })
  t.after(() => first.end(true))
  const got = new MessageCollector(first)
  await first.subscribeAsync('home/#', { qos: 1 })
  const [m] = await got.waitForCount(1)
  assert.equal(m?.payload, 'off', 'the newest retained value replaced the older one')
  assert.equal(m?.retain, true, 'retained on subscribe carries the retain flag')

  // A live message to an existing subscriber does not carry the flag [MQTT-3.3.1-9].
  await pub.publishAsync('home/lamp', 'dim', { qos: 1, retain: true })
  const live = await waitFor(() => got.messages.find((x) => x.payload === 'dim'), 'live retained publish')
  assert.equal(live.retain, false)

  await pub.publishAsync('home/lamp', '', { qos: 1, retain: true })
  const later = await connectMqtt(b.mqttUrl)
  t.after(() => later.end(true))
  const laterGot = new MessageCollector(later)
  await later.subscribeAsync('home/#', { qos: 1 })
  // A marker published after the subscription proves the retained one would have come first.
  await pub.publishAsync('home/marker', 'm', { qos: 1 })
  const firstSeen = await laterGot.waitForCount(1)
  assert.equal(firstSeen[0]?.topic, 'home/marker', 'the cleared retained message is gone')
})
