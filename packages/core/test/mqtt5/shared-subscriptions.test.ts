import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker } from '@siar/testing'
import { connectTapped } from './wire-tap.js'

// Shared subscriptions are not offered yet (a later issue makes them cluster-wide):
// [MQTT-3.2.2-13]-style advertisement in CONNACK, and 0x9E in SUBACK for `$share/...`.

test('CONNACK tells v5 clients shared subscriptions are unavailable', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const { client, tap } = await connectTapped(tb.port, { protocolVersion: 5 })
  t.after(() => client.end(true))
  const connack = tap.packets.find((p) => p.cmd === 'connack')
  assert.equal(connack.properties?.sharedSubscriptionAvailable, false)
})

test('SUBACK refuses $share/... with 0x9E and grants the other filters of the same SUBSCRIBE', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const { client, tap } = await connectTapped(tb.port, { protocolVersion: 5 })
  t.after(() => client.end(true))
  client.subscribe({ '$share/group/s/t': { qos: 1 }, 's/plain': { qos: 1 } }, () => {})
  const suback = await tap.waitFor((p) => p.cmd === 'suback', 'SUBACK')
  assert.deepEqual(suback.granted, [0x9e, 1])
})
