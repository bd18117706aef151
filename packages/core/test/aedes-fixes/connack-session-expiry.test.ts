import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker } from '@siar/testing'
import { connectTapped } from '../mqtt5/wire-tap.js'
import { startPlainAedes } from './plain-aedes.js'

// §3.2.2.3.2: the CONNACK Session Expiry Interval tells the client the lifetime its session
// really has; siar always states it for a session that outlives the connection.

async function connackExpiry (port: number, t: any, requested?: number): Promise<number | undefined> {
  const { client, tap } = await connectTapped(port, { protocolVersion: 5, properties: requested === undefined ? {} : { sessionExpiryInterval: requested } })
  t.after(() => client.end(true))
  return tap.packets.find((p) => p.cmd === 'connack').properties?.sessionExpiryInterval
}

test('siar confirms the Session Expiry Interval in CONNACK, and leaves it out for a session that ends with the connection', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  assert.equal(await connackExpiry(tb.port, t, 5), 5)
  assert.equal(await connackExpiry(tb.port, t, 0), undefined)
  assert.equal(await connackExpiry(tb.port, t), undefined)
})

// Runs after a siar broker in this process: the process-wide writer must leave plain aedes alone.
test('upstream still leaves it out: plain aedes omits the Session Expiry Interval it accepted', async (t) => {
  const plain = await startPlainAedes()
  t.after(() => plain.close())
  assert.equal(await connackExpiry(plain.port, t, 5), undefined,
    'plain aedes confirms it now: remove aedes-fixes/connack-session-expiry.ts')
})
