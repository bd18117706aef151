import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, nextEvent, waitFor } from '@siar/testing'
import { connectTapped } from '../mqtt5/wire-tap.js'
import { startPlainAedes } from './plain-aedes.js'
import { publishSizeUpperBound } from '../../src/aedes-fixes/max-packet-size.js'
import { aedesMqttPacket } from '../../src/aedes-fixes/aedes-mqtt-packet.js'

// [MQTT-3.1.2-24] The Server MUST NOT send packets exceeding Maximum Packet Size to the Client.
// [MQTT-3.1.2-25] Where a Packet is too large to send, the Server MUST discard it without
// sending it and then behave as if it had completed sending that Application Message.

const LIMIT = 200

/** A v5 subscriber accepting at most LIMIT bytes gets a 500-byte message, then a small one. */
async function sendBigThenSmall (port: number, t: any, qos: 0 | 1): Promise<any> {
  const { client: sub, tap } = await connectTapped(port, { protocolVersion: 5, clientId: `mps-${qos}`, properties: { maximumPacketSize: LIMIT } })
  // mqtt.js refuses an oversized packet with an error and closes; record it instead of crashing the test.
  sub.on('error', () => {})
  t.after(() => sub.end(true))
  await sub.subscribeAsync('mps/t', { qos })
  const pub = await connectMqtt(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  await pub.publishAsync('mps/t', 'x'.repeat(500), { qos })
  await pub.publishAsync('mps/t', 'small', { qos })
  // Both went out on the same path in order: once 'small' is on the wire, the big one was sent or dropped.
  await tap.waitFor((p: any) => p.payload?.toString() === 'small', 'the small message')
  return tap
}

test('upstream still broken: plain aedes sends a PUBLISH larger than the client\'s Maximum Packet Size', async (t) => {
  const plain = await startPlainAedes()
  t.after(() => plain.close())
  const tap = await sendBigThenSmall(plain.port, t, 0)
  assert.ok(tap.publishes().some((p: any) => p.payload.length === 500),
    'plain aedes no longer sends it: upstream fixed [MQTT-3.1.2-24], remove aedes-fixes/max-packet-size.ts')
})

for (const qos of [0, 1] as const) {
  test(`siar drops a QoS ${qos} message too large for the client, counts it, and keeps delivering`, async (t) => {
    const tb = await startTestBroker()
    t.after(() => tb.close())
    const dropped = nextEvent(tb.broker.events as any, 'messageDropped')
    const tap = await sendBigThenSmall(tb.port, t, qos)
    assert.deepEqual(tap.publishes().map((p: any) => p.payload.toString()), ['small'])
    assert.ok(tap.packets.every((p: any) => p.length + 2 <= LIMIT), 'nothing over the limit reached the wire')
    assert.deepEqual((await dropped)[0], { reason: 'too_large', clientId: `mps-${qos}` })
  })
}

test('siar does not resend a dropped QoS 1 message when the session resumes', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const session = { protocolVersion: 5 as const, clientId: 'mps-resume', properties: { sessionExpiryInterval: 60, maximumPacketSize: LIMIT } }
  const { client: sub, tap } = await connectTapped(tb.port, session)
  await sub.subscribeAsync('mpr/t', { qos: 1 })
  const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  await pub.publishAsync('mpr/t', 'y'.repeat(500), { qos: 1 })
  await pub.publishAsync('mpr/t', 'after', { qos: 1 })
  await tap.waitFor((p: any) => p.payload?.toString() === 'after', 'the small message')
  await sub.endAsync()
  await pub.publishAsync('mpr/t', 'queued', { qos: 1 })

  const { client: again, tap: tap2 } = await connectTapped(tb.port, { ...session, clean: false })
  t.after(() => again.end(true))
  await tap2.waitFor((p: any) => p.payload?.toString() === 'queued', 'the queued message')
  assert.deepEqual(tap2.publishes().map((p: any) => p.payload.toString()), ['queued'])
})

test('a client without a Maximum Packet Size still gets large messages', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const sub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => sub.end(true))
  let got = 0
  sub.on('message', (_topic, payload) => { got = payload.length })
  await sub.subscribeAsync('big/t')
  const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  await pub.publishAsync('big/t', Buffer.alloc(100_000, 1))
  await waitFor(() => got === 100_000, 'the 100 kB message')
})

test('the size bound never underestimates the encoded PUBLISH', () => {
  const samples = [
    { cmd: 'publish', topic: 'a', payload: Buffer.alloc(0), qos: 0 },
    { cmd: 'publish', topic: 'é/ü/日本', payload: 'ünïcødé', qos: 1, messageId: 7 },
    {
      cmd: 'publish',
      topic: 't',
      payload: Buffer.alloc(300),
      qos: 2,
      messageId: 65535,
      properties: {
        payloadFormatIndicator: true,
        messageExpiryInterval: 4294967295,
        contentType: 'application/json',
        responseTopic: 'reply/日本',
        correlationData: Buffer.alloc(40),
        userProperties: { k: 'v', multi: ['a', 'bb'] },
        subscriptionIdentifier: [1, 268435455]
      }
    }
  ]
  for (const packet of samples) {
    const exact = aedesMqttPacket.generate(packet, { protocolVersion: 5 }).length
    assert.ok(publishSizeUpperBound(packet) >= exact, `${publishSizeUpperBound(packet)} >= ${exact} for ${packet.topic}`)
  }
})
