import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, MessageCollector } from '@siar/testing'
import { connectRaw, connectTapped } from './wire-tap.js'

// CONNECT/CONNACK properties of MQTT 5 that siar relies on aedes for (§3.2.2.3).

test('CONNACK advertises siar\'s limits and assigns a client identifier to an empty one', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const { client, tap } = await connectTapped(tb.port, { protocolVersion: 5, clientId: '' })
  t.after(() => client.end(true))
  const { properties } = tap.packets.find((p) => p.cmd === 'connack')
  assert.equal(properties.receiveMaximum, 100)
  assert.equal(properties.topicAliasMaximum, 32)
  assert.equal(properties.maximumPacketSize, 1024 * 1024)
  // [MQTT-3.2.2-16] a zero-length ClientId gets an Assigned Client Identifier
  assert.match(properties.assignedClientIdentifier, /\S+/)
})

test('a Session Expiry Interval above the broker maximum is lowered and the CONNACK says so', async (t) => {
  const tb = await startTestBroker({ limits: { maxSessionExpirySeconds: 3600 } })
  t.after(() => tb.close())
  const { client, tap } = await connectTapped(tb.port, { protocolVersion: 5, properties: { sessionExpiryInterval: 0xFFFFFFFF } })
  t.after(() => client.end(true))
  assert.equal(tap.packets.find((p) => p.cmd === 'connack').properties.sessionExpiryInterval, 3600)
})

test('topic aliases from the client are resolved before routing [MQTT-3.3.2-12]', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const sub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => sub.end(true))
  const got = new MessageCollector(sub)
  await sub.subscribeAsync('alias/in', { qos: 1 })
  const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  await pub.publishAsync('alias/in', 'first', { qos: 1, properties: { topicAlias: 3 } })
  await pub.publishAsync('', 'second', { qos: 1, properties: { topicAlias: 3 } })
  await got.waitForCount(2)
  assert.deepEqual(got.messages.map((m) => [m.topic, m.payload, m.packet.properties?.topicAlias]), [['alias/in', 'first', undefined], ['alias/in', 'second', undefined]])
})

test('a keep-alive above the broker limit is replaced by Server Keep Alive in CONNACK', async (t) => {
  const tb = await startTestBroker({ limits: { keepaliveMaxSeconds: 30 } })
  t.after(() => tb.close())
  const { client, tap } = await connectTapped(tb.port, { protocolVersion: 5, keepalive: 120 })
  t.after(() => client.end(true))
  assert.equal(tap.packets.find((p) => p.cmd === 'connack').properties.serverKeepAlive, 30)
})

test('enhanced authentication (an Authentication Method) is refused with 0x8C', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  await assert.rejects(connectRaw(tb.port, { protocolVersion: 5, clientId: 'scram', properties: { authenticationMethod: 'SCRAM-SHA-1' } }), /CONNACK 140/)
})
