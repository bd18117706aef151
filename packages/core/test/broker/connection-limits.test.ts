import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect as netConnect } from 'node:net'
import mqtt from 'mqtt'
import { generate } from 'mqtt-packet'
import { startTestBroker, connectMqtt, nextEvent, withTimeout } from '@siar/testing'

test('keepalive: a client that goes silent is disconnected after 1.5 x keepalive and its will fires', async (t) => {
  const b = await startTestBroker()
  t.after(() => b.close())
  const watcher = await connectMqtt(b.mqttUrl)
  t.after(() => watcher.end(true))
  await watcher.subscribeAsync('gone', { qos: 1 })
  // A raw socket: CONNECT with keepalive 1 s, then silence (no PINGREQ ever).
  const socket = netConnect(b.port, '127.0.0.1')
  t.after(() => socket.destroy())
  await nextEvent(socket, 'connect')
  socket.write(generate({
    cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'silent', keepalive: 1,
    will: { topic: 'gone', payload: Buffer.from('silent'), qos: 1, retain: false }
  } as any))
  await nextEvent(socket, 'data')
  const started = Date.now()
  const [topic, payload] = await nextEvent<[string, Buffer]>(watcher, 'message', 6000)
  assert.equal(topic, 'gone')
  assert.equal(payload.toString(), 'silent')
  const elapsed = Date.now() - started
  assert.ok(elapsed >= 1000, `not before the keepalive ran out (${elapsed} ms)`)
})

test('takeover: a second connection with the same client id closes the first (v5 gets 0x8E)', async (t) => {
  const b = await startTestBroker()
  t.after(() => b.close())
  const first = await connectMqtt(b.mqttUrl, { protocolVersion: 5, clientId: 'same' })
  const disconnect = nextEvent<[{ reasonCode?: number }]>(first, 'disconnect', 5000)
  const second = await connectMqtt(b.mqttUrl, { protocolVersion: 5, clientId: 'same' })
  t.after(() => { first.end(true); second.end(true) })
  const [packet] = await disconnect
  assert.equal(packet.reasonCode, 0x8e)
  assert.equal(second.connected, true)
})

test('maximum packet size: a v5 client sending more than the limit gets DISCONNECT 0x95; others are unaffected', async (t) => {
  const b = await startTestBroker({ limits: { maxPacketSize: 1024 } })
  t.after(() => b.close())
  const big = await connectMqtt(b.mqttUrl, { protocolVersion: 5 })
  const other = await connectMqtt(b.mqttUrl, { protocolVersion: 5 })
  t.after(() => { big.end(true); other.end(true) })
  const disconnect = nextEvent<[{ reasonCode?: number }]>(big, 'disconnect', 5000)
  big.publish('big', Buffer.alloc(4096), { qos: 0 })
  const [packet] = await disconnect
  assert.equal(packet.reasonCode, 0x95)
  await other.subscribeAsync('small', { qos: 1 })
  const msg = nextEvent<[string, Buffer]>(other, 'message')
  await other.publishAsync('small', 'fine', { qos: 1 })
  assert.equal((await msg)[1].toString(), 'fine')
})

test('maximum packet size: a v3.1.1 client over the limit is disconnected', async (t) => {
  const b = await startTestBroker({ limits: { maxPacketSize: 1024 } })
  t.after(() => b.close())
  const big = await connectMqtt(b.mqttUrl, { protocolVersion: 4 })
  t.after(() => big.end(true))
  const closed = nextEvent(big, 'close', 5000)
  big.publish('big', Buffer.alloc(4096), { qos: 0 })
  await closed
})

test('connect timeout: a socket that never sends CONNECT is closed', async (t) => {
  const b = await startTestBroker({ limits: { connectTimeoutMs: 300 } })
  t.after(() => b.close())
  const socket = netConnect(b.port, '127.0.0.1')
  t.after(() => socket.destroy())
  await nextEvent(socket, 'connect')
  const started = Date.now()
  await withTimeout(new Promise((resolve) => socket.once('close', resolve)), 'the broker to close the idle socket', 5000)
  assert.ok(Date.now() - started >= 250)
})

test('the v5 CONNACK advertises limits and that shared subscriptions are available', async (t) => {
  const b = await startTestBroker({ limits: { maxPacketSize: 2048 } })
  t.after(() => b.close())
  const client = mqtt.connect(b.mqttUrl, { protocolVersion: 5, reconnectPeriod: 0 })
  t.after(() => client.end(true))
  const [connack] = await nextEvent<[{ properties?: Record<string, unknown> }]>(client, 'connect')
  assert.equal(connack.properties?.maximumPacketSize, 2048)
  assert.equal(connack.properties?.sharedSubscriptionAvailable, true)
  const suback = new Promise<{ granted: number[] }>((resolve) => {
    client.on('packetreceive', (p: any) => { if (p.cmd === 'suback') resolve(p) })
  })
  client.subscribe('$share/g/t', { qos: 2 }, () => {})
  assert.deepEqual((await suback).granted, [1], 'SUBACK grants $share subscriptions, at most QoS 1')
})
