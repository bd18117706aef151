import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker } from '@siar/testing'
import { connectTapped } from '../mqtt5/wire-tap.js'
import { startPlainAedes } from './plain-aedes.js'

// §3.1.3.2: the will's properties travel with the Will Message, except the Will Delay
// Interval, which only the CONNECT Will Properties define (§3.1.3.2.2) and which is not
// a PUBLISH property (§3.3.2.3).

const willProperties = {
  willDelayInterval: 1,
  payloadFormatIndicator: true,
  messageExpiryInterval: 300,
  contentType: 'text/plain',
  responseTopic: 'will/replies',
  correlationData: Buffer.from('c0ffee', 'hex'),
  userProperties: { a: '1', b: ['x', 'y'] }
}

/** A v5 client with a delayed will drops its socket; return the will PUBLISH as it reached a subscriber. */
async function willAsSent (port: number, t: any): Promise<any> {
  const { client: watcher, tap } = await connectTapped(port, { protocolVersion: 5 })
  t.after(() => watcher.end(true))
  await watcher.subscribeAsync('will/#', { qos: 1 })
  const { client: dying } = await connectTapped(port, {
    protocolVersion: 5,
    clientId: 'will-props',
    properties: { sessionExpiryInterval: 30 },
    will: { topic: 'will/dying', payload: Buffer.from('gone'), qos: 1, retain: false, properties: willProperties } as any
  })
  dying.stream.destroy() // abrupt: no DISCONNECT, so the will is due
  return await tap.waitFor((p: any) => p.cmd === 'publish' && p.topic === 'will/dying', 'the will message', 5000)
}

test('upstream still broken: plain aedes publishes the Will Delay Interval as a PUBLISH property', async (t) => {
  const plain = await startPlainAedes()
  t.after(() => plain.close())
  const will = await willAsSent(plain.port, t)
  assert.equal(will.properties.willDelayInterval, 1,
    'plain aedes no longer sends it: upstream fixed this, remove aedes-fixes/will-properties.ts')
})

test('siar accepts a will with properties and delivers them, without the Will Delay Interval', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const will = await willAsSent(tb.port, t)
  assert.equal(will.payload.toString(), 'gone')
  assert.equal(will.qos, 1)
  const { willDelayInterval, messageExpiryInterval, ...rest } = willProperties
  assert.equal(will.properties.willDelayInterval, undefined)
  assert.ok(will.properties.messageExpiryInterval <= messageExpiryInterval && will.properties.messageExpiryInterval >= messageExpiryInterval - 5)
  const { messageExpiryInterval: _, userProperties, ...received } = will.properties
  const { userProperties: sentUserProperties, ...sent } = rest
  assert.deepEqual(received, sent)
  assert.deepEqual({ ...userProperties }, sentUserProperties) // the parser builds a null-prototype object
  assert.equal(willDelayInterval, 1)
})
