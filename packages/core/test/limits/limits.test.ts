import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect as netConnect, type Socket } from 'node:net'
import mqttPacket from 'mqtt-packet'
import mqtt, { type MqttClient } from 'mqtt'
import { connectMqtt, MessageCollector, nextEvent, startTestBroker, waitFor, withTimeout } from '@siar/testing'
import type { LimitName } from '../../src/limits/limit-names.js'

type Limits = Record<string, number>

async function broker (t: { after: (fn: () => unknown) => void }, limits: Limits) {
  const b = await startTestBroker({ limits })
  t.after(() => b.close())
  const hits: LimitName[] = []
  b.broker.events.on('limitHit', (i) => hits.push(i.limit))
  return { b, hits }
}

/** A raw TCP socket; resolves once connected. Closed by the test's end. */
function rawSocket (t: { after: (fn: () => unknown) => void }, port: number): Promise<Socket & { gone: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ port, host: '127.0.0.1' }) as Socket & { gone: Promise<void> }
    s.gone = new Promise((r) => s.once('close', () => r()))
    s.on('error', () => {})
    t.after(() => s.destroy())
    s.once('connect', () => resolve(s))
    s.once('error', reject)
  })
}

/** True when a connection attempt gets a CONNACK; false when the socket is closed first. */
async function accepted (url: string): Promise<boolean> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000 })
  try {
    return await withTimeout(new Promise<boolean>((resolve) => {
      client.once('connect', () => resolve(true))
      client.once('error', () => resolve(false))
      client.once('close', () => resolve(false))
    }), 'a CONNACK or a close', 8000)
  } finally {
    await client.endAsync(true)
  }
}

async function suback (c: MqttClient, topic: string): Promise<number> {
  try {
    return (await c.subscribeAsync(topic))[0]?.qos ?? -1
  } catch (err) {
    return (err as { packet?: { granted?: number[] } }).packet?.granted?.[0] ?? -1
  }
}

test('max connections, global and per source address', async (t) => {
  const { b, hits } = await broker(t, { maxConnectionsPerIp: 2 })
  const a = await connectMqtt(b.mqttUrl)
  const c = await connectMqtt(b.mqttUrl)
  assert.equal(await accepted(b.mqttUrl), false)
  assert.deepEqual(hits, ['max_connections_per_ip'])
  await a.endAsync()
  await waitFor(() => accepted(b.mqttUrl), 'a slot to free up once a client left')
  await c.endAsync()
  // The global cap: three sockets from 127.0.0.1 and ::ffff:127.0.0.2 are not possible
  // here, so check it with per-address limits off.
  const g = await broker(t, { maxConnections: 2 })
  const g1 = await connectMqtt(g.b.mqttUrl)
  const g2 = await connectMqtt(g.b.mqttUrl)
  assert.equal(await accepted(g.b.mqttUrl), false)
  assert.deepEqual(g.hits, ['max_connections'])
  await Promise.all([g1.endAsync(), g2.endAsync()])
})

test('connection rate per address', async (t) => {
  const { b, hits } = await broker(t, { connectionRatePerIp: 4 })
  const sockets = await Promise.all(Array.from({ length: 8 }, () => rawSocket(t, b.port)))
  // Refused connections are destroyed right away; admitted ones wait for CONNECT.
  await waitFor(() => hits.length >= 4, '4 refusals')
  assert.deepEqual([...new Set(hits)], ['connection_rate_per_ip'])
  for (const s of sockets) s.destroy()
})

test('publish rate per client: v5 gets DISCONNECT 0x96, v3 is closed, others unaffected', async (t) => {
  const { b, hits } = await broker(t, { publishRatePerClient: 5 })
  const v5 = await connectMqtt(b.mqttUrl, { protocolVersion: 5 })
  const disconnect = nextEvent<[{ reasonCode?: number }]>(v5 as never, 'disconnect')
  for (let i = 0; i < 20; i++) v5.publish('flood/v5', String(i))
  assert.equal((await disconnect)[0].reasonCode, 0x96)
  const v3 = await connectMqtt(b.mqttUrl, { protocolVersion: 4 })
  const closed = nextEvent(v3 as never, 'close')
  for (let i = 0; i < 20; i++) v3.publish('flood/v3', String(i))
  await closed
  assert.ok(hits.includes('publish_rate'))
  const calm = await connectMqtt(b.mqttUrl)
  t.after(() => calm.endAsync())
  const got = new MessageCollector(calm)
  await calm.subscribeAsync('calm')
  await calm.publishAsync('calm', 'ok', { qos: 1 })
  await got.waitForTopic('calm')
})

test('subscriptions per client and topic length', async (t) => {
  const { b, hits } = await broker(t, { maxSubscriptionsPerClient: 2, maxTopicLength: 16 })
  const c = await connectMqtt(b.mqttUrl, { protocolVersion: 5 })
  t.after(() => c.endAsync())
  assert.equal(await suback(c, 'a'), 0)
  assert.equal(await suback(c, 'b'), 0)
  assert.equal(await suback(c, 'a'), 0, 're-subscribing replaces, it does not count twice')
  assert.equal(await suback(c, 'c'), 0x87)
  await c.unsubscribeAsync('a')
  assert.equal(await suback(c, 'c'), 0)
  await c.unsubscribeAsync('b')
  assert.equal(await suback(c, 'x'.repeat(17)), 0x87)
  await assert.rejects(c.publishAsync('y'.repeat(17), 'long', { qos: 1 }), (err: { code?: number }) => err.code === 0x87)
  assert.deepEqual(hits, ['max_subscriptions', 'max_topic_length', 'max_topic_length'])
  const metrics = await (await fetch(`${b.httpUrl}/metrics`)).text()
  assert.match(metrics, /^siar_limit_hits_total\{limit="max_subscriptions"\} 1$/m)
  assert.match(metrics, /^siar_limit_hits_total\{limit="max_topic_length"\} 2$/m)
  assert.ok(c.connected)
})

test('a socket that never sends CONNECT is closed after the connect timeout', async (t) => {
  const { b, hits } = await broker(t, { connectTimeoutMs: 300 })
  const started = Date.now()
  const s = await rawSocket(t, b.port)
  s.write(Buffer.from([0x10])) // one byte of a CONNECT, then nothing
  await s.gone
  const elapsed = Date.now() - started
  assert.ok(elapsed >= 250 && elapsed < 5000, `closed after ${elapsed} ms`)
  assert.deepEqual(hits, ['connect_timeout'])
})

test('a subscriber that stops reading is cut off after the drain timeout; others keep receiving', async (t) => {
  const { b, hits } = await broker(t, { drainTimeoutMs: 300 })
  const slow = await rawSocket(t, b.port)
  slow.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'slow', keepalive: 0 } as never))
  slow.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'firehose', qos: 0 }] } as never))
  let acks = 0
  slow.on('data', () => { acks++ })
  await waitFor(() => acks > 0, 'CONNACK/SUBACK for the slow client')
  slow.pause() // stop reading: the broker's writes back up
  const fast = await connectMqtt(b.mqttUrl)
  t.after(() => fast.endAsync())
  const got = new MessageCollector(fast)
  await fast.subscribeAsync('firehose')
  const payload = Buffer.alloc(64 * 1024, 1)
  // Bounded: at most 20 MB in 64 KiB messages (loopback buffers take about 6 MB),
  // stopping once the slow client is gone.
  for (let i = 0; i < 320 && !hits.includes('drain_timeout'); i++) {
    await fast.publishAsync('firehose', payload, { qos: 1 })
  }
  await waitFor(() => hits.includes('drain_timeout'), 'the drain timeout to fire')
  assert.equal(hits.filter((h) => h === 'drain_timeout').length, 1, 'counted once per client')
  slow.resume() // reading again, it finds the connection closed
  await slow.gone
  const before = got.messages.length
  await fast.publishAsync('firehose', 'after', { qos: 1 })
  await waitFor(() => got.messages.length > before, 'the fast subscriber to keep receiving')
})

test('ill-formed UTF-8 or U+0000 in a topic closes the connection [MQTT-1.5.4-1/2]; nothing is delivered', async (t) => {
  const { b } = await broker(t, {})
  const watcher = await connectMqtt(b.mqttUrl)
  t.after(() => watcher.endAsync())
  const got = new MessageCollector(watcher)
  await watcher.subscribeAsync('#')
  const publishWithTopic = (topic: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from([0, topic.length]), topic, Buffer.from('payload')])
    return Buffer.concat([Buffer.from([0x30, body.length]), body])
  }
  for (const [version, topic] of [[4, [0x61, 0x2f, 0xc3, 0x28]], [5, [0x61, 0x2f, 0xff]], [4, [0x61, 0x00, 0x62]]] as const) {
    const s = await rawSocket(t, b.port)
    s.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clean: true, clientId: `bad-${version}`, keepalive: 0 } as never, { protocolVersion: version } as never))
    s.write(publishWithTopic(Buffer.from(topic)))
    s.resume()
    await s.gone
  }
  await watcher.publishAsync('fine', 'ok', { qos: 1 })
  await got.waitForTopic('fine')
  assert.deepEqual(got.messages.map((m) => m.topic), ['fine'])
})

test('incoming QoS 2 messages awaiting PUBREL are capped at the receive maximum (v5 DISCONNECT 0x93)', async (t) => {
  const { b, hits } = await broker(t, { receiveMaximum: 3 })
  const s = await rawSocket(t, b.port)
  const received: Array<{ cmd: string, reasonCode?: number, messageId?: number }> = []
  const parser = mqttPacket.parser({ protocolVersion: 5 })
  parser.on('packet', (p) => received.push(p as never))
  s.on('data', (d: Buffer) => parser.parse(d))
  const send = (p: Record<string, unknown>): void => { s.write(mqttPacket.generate(p as never, { protocolVersion: 5 } as never)) }
  send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'qos2-hoarder', keepalive: 0 })
  const publish = (messageId: number, dup = false): void => send({ cmd: 'publish', topic: 'hoard', payload: 'x', qos: 2, messageId, dup, retain: false })
  publish(1)
  publish(2)
  publish(2, true) // a resend is not a new message
  publish(3)
  await waitFor(() => received.filter((p) => p.cmd === 'pubrec').length === 4, '4 PUBRECs')
  send({ cmd: 'pubrel', messageId: 1 })
  await waitFor(() => received.some((p) => p.cmd === 'pubcomp'), 'PUBCOMP 1')
  publish(4) // slot 1 was released: accepted
  await waitFor(() => received.filter((p) => p.cmd === 'pubrec').length === 5, 'PUBREC 4')
  assert.deepEqual(hits, [])
  publish(5) // 2, 3, 4 still wait for PUBREL
  await s.gone
  assert.deepEqual(received.filter((p) => p.cmd === 'disconnect').map((p) => p.reasonCode), [0x93])
  assert.deepEqual(hits, ['max_inflight'])
})
