import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker } from '@siar/testing'
import { connectTapped } from './wire-tap.js'

// What CONNACK says about shared subscriptions (Shared Subscription Available, §3.2.2.3.13)
// and what SUBACK does with `$share/...` must agree: a Server that does not support them
// refuses the filter with 0x9E (Shared Subscriptions not supported, §3.9.3); one that does
// grants it. aedes 2.0.0-beta.1 says "unavailable" and refuses; siar's shared-subscription
// layer (cluster/shared/) turns both on together.

test('CONNACK Shared Subscription Available and the SUBACK for $share/... agree', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const { client, tap } = await connectTapped(tb.port, { protocolVersion: 5 })
  t.after(() => client.end(true))
  const available = tap.packets.find((p) => p.cmd === 'connack').properties?.sharedSubscriptionAvailable !== false
  client.subscribe({ '$share/group/s/t': { qos: 1 }, 's/plain': { qos: 1 } }, () => {})
  const suback = await tap.waitFor((p) => p.cmd === 'suback', 'SUBACK')
  assert.deepEqual(suback.granted, [available ? 1 : 0x9e, 1])
})

test('a v3.1.1 client is never refused with a v5-only reason code for $share/...', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const { client, tap } = await connectTapped(tb.port, { protocolVersion: 4 })
  t.after(() => client.end(true))
  client.subscribe('$share/group/s/t', { qos: 1 }, () => {})
  const suback = await tap.waitFor((p) => p.cmd === 'suback', 'SUBACK')
  assert.ok([0, 1, 0x80].includes(suback.granted[0]), `granted ${String(suback.granted[0])}`)
})
