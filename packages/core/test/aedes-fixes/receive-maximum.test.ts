import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, nextEvent, waitFor } from '@siar/testing'
import { connectTapped, holdAcks } from '../mqtt5/wire-tap.js'
import { startPlainAedes } from './plain-aedes.js'

// [MQTT-3.3.4-9] The Server MUST NOT send a PUBLISH with QoS > 0 while it has
// Receive Maximum PUBLISH packets without PUBACK, PUBCOMP, or PUBREC >= 0x80.

const isQoSPublish = (p: any): boolean => p.cmd === 'publish' && p.qos > 0
const payloads = (packets: any[]): string[] => packets.map((p) => p.payload.toString())

/** Subscribe with Receive Maximum 2 and never ack; publish 6 QoS 1 messages then a QoS 0 sentinel. */
async function publishesInFlightAtSentinel (port: number, t: any): Promise<{ count: number, sub: any, tap: any, acks: any, pub: any }> {
  const { client: sub, tap } = await connectTapped(port, { protocolVersion: 5, properties: { receiveMaximum: 2 } })
  t.after(() => sub.end(true))
  const acks = holdAcks(sub)
  await sub.subscribeAsync('rm/t', { qos: 1 })
  const pub = await connectMqtt(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  for (let i = 0; i < 6; i++) await pub.publishAsync('rm/t', `m${i}`, { qos: 1 })
  // QoS 0 is not flow controlled: once it is on the wire, every earlier QoS 1 write was attempted.
  await pub.publishAsync('rm/t', 'sentinel', { qos: 0 })
  await tap.waitFor((p: any) => p.cmd === 'publish' && p.payload.toString() === 'sentinel', 'the QoS 0 sentinel')
  return { count: tap.publishes().filter(isQoSPublish).length, sub, tap, acks, pub }
}

test('upstream still broken: plain aedes sends past the client\'s Receive Maximum', async (t) => {
  const plain = await startPlainAedes()
  t.after(() => plain.close())
  const { count } = await publishesInFlightAtSentinel(plain.port, t)
  assert.ok(count > 2, `plain aedes kept ${count} in flight; if 2, upstream fixed [MQTT-3.3.4-9]: remove aedes-fixes/receive-maximum.ts`)
})

test('siar holds QoS 1 messages beyond Receive Maximum and sends them, in order, as acks free the window', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const { count, tap, acks, pub } = await publishesInFlightAtSentinel(tb.port, t)
  assert.equal(count, 2)

  acks.releaseOne()
  await tap.waitForCount(isQoSPublish, 3, 'QoS 1 PUBLISH')
  await pub.publishAsync('rm/t', 'sentinel-2', { qos: 0 })
  await tap.waitFor((p: any) => p.cmd === 'publish' && p.payload.toString() === 'sentinel-2', 'second sentinel')
  assert.equal(tap.publishes().filter(isQoSPublish).length, 3, 'one ack frees exactly one slot')

  acks.releaseAll()
  const all = await tap.waitForCount(isQoSPublish, 6, 'QoS 1 PUBLISH')
  assert.deepEqual(payloads(all), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'])
})

test('siar counts a QoS 2 message in flight until PUBCOMP', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const { client: sub, tap } = await connectTapped(tb.port, { protocolVersion: 5, properties: { receiveMaximum: 1 } })
  t.after(() => sub.end(true))
  const acks = holdAcks(sub)
  await sub.subscribeAsync('rm2/t', { qos: 2 })
  const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  for (let i = 0; i < 3; i++) await pub.publishAsync('rm2/t', `q${i}`, { qos: 2 })
  await pub.publishAsync('rm2/t', 'sentinel', { qos: 0 })
  await tap.waitFor((p: any) => p.payload?.toString() === 'sentinel', 'sentinel')
  assert.equal(tap.publishes().filter(isQoSPublish).length, 1)
  acks.releaseAll() // PUBREC → PUBREL → PUBCOMP for each, one at a time
  const all = await tap.waitForCount(isQoSPublish, 3, 'QoS 2 PUBLISH')
  assert.deepEqual(payloads(all), ['q0', 'q1', 'q2'])
  assert.equal(tap.packets.filter((p) => p.cmd === 'pubrel').length >= 2, true, 'each later PUBLISH followed a completed exchange')
})

test('siar applies Receive Maximum to the queue drained on session resume', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const session = { protocolVersion: 5 as const, clientId: 'rm-resume', properties: { sessionExpiryInterval: 60 } }
  const first = await connectMqtt(tb.mqttUrl, session)
  await first.subscribeAsync('rmq/t', { qos: 1 })
  await first.endAsync()
  const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  for (let i = 0; i < 5; i++) await pub.publishAsync('rmq/t', `o${i}`, { qos: 1 })

  const ready = nextEvent(tb.broker.aedes as any, 'clientReady')
  const { client: sub, tap } = await connectTapped(tb.port, { ...session, clean: false, properties: { sessionExpiryInterval: 60, receiveMaximum: 2 } })
  t.after(() => sub.end(true))
  const acks = holdAcks(sub)
  await ready // the whole queue has been handed to the writer
  await pub.publishAsync('rmq/t', 'sentinel', { qos: 0 })
  await tap.waitFor((p: any) => p.payload?.toString() === 'sentinel', 'sentinel')
  assert.equal(tap.publishes().filter(isQoSPublish).length, 2)

  acks.releaseAll()
  const all = await tap.waitForCount(isQoSPublish, 5, 'queued PUBLISH')
  assert.deepEqual(payloads(all), ['o0', 'o1', 'o2', 'o3', 'o4'])
})

test('siar drops a held message whose expiry passed and sends the rest with the remaining interval', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const dropped: unknown[] = []
  tb.broker.events.on('messageDropped', (info) => dropped.push(info))
  const { client: sub, tap } = await connectTapped(tb.port, { protocolVersion: 5, clientId: 'rm-exp', properties: { receiveMaximum: 1 } })
  t.after(() => sub.end(true))
  const acks = holdAcks(sub)
  await sub.subscribeAsync('rme/t', { qos: 1 })
  const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  await pub.publishAsync('rme/t', 'first', { qos: 1 })
  await pub.publishAsync('rme/t', 'short', { qos: 1, properties: { messageExpiryInterval: 1 } })
  await pub.publishAsync('rme/t', 'long', { qos: 1, properties: { messageExpiryInterval: 30 } })
  await tap.waitFor((p: any) => p.payload?.toString() === 'first', 'first message')
  const heldSince = Date.now()
  // The behaviour under test is the passage of time: 'short' must outlive its 1 s.
  await waitFor(() => Date.now() - heldSince > 1500, '1.5 s of holding', 5000)

  acks.releaseAll()
  const sent = await tap.waitForCount(isQoSPublish, 2, 'QoS 1 PUBLISH')
  assert.deepEqual(payloads(sent), ['first', 'long'])
  const remaining = sent[1].properties?.messageExpiryInterval
  assert.ok(remaining >= 27 && remaining <= 29, `remaining interval ${remaining} s [MQTT-3.3.2-6]`)
  await waitFor(() => dropped.length > 0, 'messageDropped')
  assert.deepEqual(dropped, [{ reason: 'expired', clientId: 'rm-exp' }])
})

test('siar caps what it holds for a client that stops acknowledging, like an offline queue', async (t) => {
  const tb = await startTestBroker({ limits: { maxQueuedMessages: 3 } })
  t.after(() => tb.close())
  const dropped: unknown[] = []
  tb.broker.events.on('messageDropped', (info) => dropped.push(info))
  const { client: sub, tap } = await connectTapped(tb.port, { protocolVersion: 5, clientId: 'rm-cap', properties: { receiveMaximum: 1 } })
  t.after(() => sub.end(true))
  const acks = holdAcks(sub)
  await sub.subscribeAsync('rmc/t', { qos: 1 })
  const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  for (let i = 0; i < 6; i++) await pub.publishAsync('rmc/t', `c${i}`, { qos: 1 })
  await waitFor(() => dropped.length === 2, '2 drops')
  assert.deepEqual(dropped, [{ reason: 'queue_full', clientId: 'rm-cap' }, { reason: 'queue_full', clientId: 'rm-cap' }])
  acks.releaseAll()
  const sent = await tap.waitForCount(isQoSPublish, 4, 'QoS 1 PUBLISH')
  await pub.publishAsync('rmc/t', 'sentinel', { qos: 0 })
  await tap.waitFor((p: any) => p.payload?.toString() === 'sentinel', 'sentinel')
  assert.deepEqual(payloads(tap.publishes().filter(isQoSPublish)), ['c0', 'c1', 'c2', 'c3'])
  assert.equal(sent.length, 4)
})
