import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect as netConnect } from 'node:net'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqttPacket from 'mqtt-packet'
import { connectMqtt, MessageCollector, startTestBroker, waitFor } from '@siar/testing'
import { delta, scrape, value, type Samples } from './scrape.js'

const closed = (reason: string): string => `siar_connections_closed_total{reason="${reason}"}`
const dropped = (reason: string): string => `siar_messages_dropped_total{reason="${reason}"}`

/** Scrape until `check` holds (collectors read live state; some of it settles a moment after the client sees its ack). */
async function scrapeUntil (url: string, check: (s: Samples) => boolean, what: string): Promise<Samples> {
  return await waitFor(async () => {
    const s = await scrape(url)
    return check(s) ? s : undefined
  }, what)
}

test('100 QoS 1 messages in: received +100, delivered +100 per subscriber at the QoS sent, latency timed for 1 in 16', async (t) => {
  const b = await startTestBroker({ sys: { intervalSeconds: 0 } })
  t.after(() => b.close())
  // A second broker in the same process must keep its own series.
  const other = await startTestBroker({ sys: { intervalSeconds: 0 } })
  t.after(() => other.close())

  const sub1 = await connectMqtt(b.mqttUrl, { clientId: 'sub-qos1' })
  const sub0 = await connectMqtt(b.mqttUrl, { clientId: 'sub-qos0' })
  const pub = await connectMqtt(b.mqttUrl, { clientId: 'pub' })
  t.after(() => Promise.all([sub1, sub0, pub].map((c) => c.endAsync())))
  await sub1.subscribeAsync('m/#', { qos: 1 })
  await sub0.subscribeAsync('m/#', { qos: 0 })
  const got1 = new MessageCollector(sub1)
  const got0 = new MessageCollector(sub0)

  const before = await scrape(b.httpUrl)
  assert.equal(value(before, 'siar_clients_connected'), 3)
  assert.equal(value(before, 'siar_subscriptions'), 2)
  for (let i = 0; i < 100; i++) await pub.publishAsync('m/x', `message ${i}`, { qos: 1 })
  await got1.waitForCount(100)
  await got0.waitForCount(100)
  const after = await scrapeUntil(b.httpUrl, (s) => value(s, 'siar_inflight_messages') === 0, 'every QoS 1 delivery acknowledged')

  assert.equal(delta(before, after, 'siar_publish_received_total{qos="1"}'), 100)
  assert.equal(delta(before, after, 'siar_publish_received_total{qos="0"}'), 0)
  assert.equal(delta(before, after, 'siar_publish_delivered_total{qos="1"}'), 100)
  // The QoS 0 subscription gets the QoS 1 messages downgraded [MQTT-3.8.4-8].
  assert.equal(delta(before, after, 'siar_publish_delivered_total{qos="0"}'), 100)
  assert.equal(delta(before, after, 'siar_publish_delivered_total{qos="2"}'), 0)
  // 1 in 16 messages is timed (brokerCounter a multiple of 16): 100 consecutive
  // messages hold 6 or 7 of them, each delivered to both subscribers.
  assert.ok([12, 14].includes(delta(before, after, 'siar_delivery_latency_seconds_count')))
  assert.ok(delta(before, after, 'siar_delivery_latency_seconds_sum') > 0)
  assert.equal(delta(before, after, dropped('no_subscribers')), 0)
  // Each PUBLISH in carries at least its 10-byte payload and 3-byte topic.
  assert.ok(delta(before, after, 'siar_network_received_bytes_total') >= 100 * 13)
  assert.ok(delta(before, after, 'siar_network_sent_bytes_total') >= 200 * 13)

  const untouched = await scrape(other.httpUrl)
  assert.equal(value(untouched, 'siar_publish_received_total{qos="1"}'), 0)
  assert.equal(value(untouched, 'siar_clients_connected'), 0)
})

test('connections: accepted by transport, closed by reason', async (t) => {
  const b = await startTestBroker({ sys: { intervalSeconds: 0 } })
  t.after(() => b.close())
  const before = await scrape(b.httpUrl)

  const tcp = await connectMqtt(b.mqttUrl)
  const ws = await connectMqtt(b.wsUrl)
  await tcp.endAsync() // sends DISCONNECT
  ws.stream.destroy() // the network goes away without a DISCONNECT
  const raw = netConnect(b.port, '127.0.0.1')
  await new Promise((resolve) => raw.once('connect', resolve))
  raw.destroy()

  const after = await scrapeUntil(b.httpUrl, (s) => value(s, 'siar_clients_connected') === 0 &&
    delta(before, s, closed('connection_lost')) === 2, 'the three connections closed')
  assert.equal(delta(before, after, 'siar_connections_accepted_total{transport="mqtt"}'), 2)
  assert.equal(delta(before, after, 'siar_connections_accepted_total{transport="ws"}'), 1)
  assert.equal(delta(before, after, closed('client_disconnect')), 1)
  assert.equal(delta(before, after, closed('connection_lost')), 2)
})

test('a client id taken over by a new connection is closed as taken_over', async (t) => {
  const b = await startTestBroker({ sys: { intervalSeconds: 0 } })
  t.after(() => b.close())
  const before = await scrape(b.httpUrl)
  const first = await connectMqtt(b.mqttUrl, { clientId: 'same-id' })
  const firstClosed = new Promise<void>((resolve) => { first.once('close', () => resolve()) })
  const second = await connectMqtt(b.mqttUrl, { clientId: 'same-id' })
  t.after(() => second.endAsync())
  await firstClosed
  const after = await scrapeUntil(b.httpUrl, (s) => delta(before, s, closed('taken_over')) === 1, 'one taken_over close')
  assert.equal(value(after, 'siar_clients_connected'), 1)
  assert.equal(delta(before, after, closed('connection_lost')), 0)
})

test('QoS 1 messages a subscriber has not acknowledged are in flight until it goes away', async (t) => {
  const b = await startTestBroker({ sys: { intervalSeconds: 0 } })
  t.after(() => b.close())
  // A hand-made client that never sends PUBACK.
  const socket = netConnect(b.port, '127.0.0.1')
  t.after(() => socket.destroy())
  const parser = mqttPacket.parser({ protocolVersion: 4 })
  const packets: string[] = []
  parser.on('packet', (p) => packets.push(p.cmd))
  socket.on('data', (d) => parser.parse(d))
  socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'no-acks', keepalive: 0 }))
  socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'f/#', qos: 1 }] }))
  await waitFor(() => packets.includes('suback'), 'SUBACK')

  const pub = await connectMqtt(b.mqttUrl)
  t.after(() => pub.endAsync())
  for (let i = 0; i < 4; i++) await pub.publishAsync('f/x', `unacked ${i}`, { qos: 1 })
  await waitFor(() => packets.filter((c) => c === 'publish').length === 4, '4 PUBLISH at the silent client')
  assert.equal(value(await scrape(b.httpUrl), 'siar_inflight_messages'), 4)
  socket.destroy()
  await scrapeUntil(b.httpUrl, (s) => value(s, 'siar_inflight_messages') === 0, 'in-flight back to 0 after the close')
})

test('an offline session past limits.maxQueuedMessages: queue_full drops, queued gauge, then delivery on resume', async (t) => {
  const b = await startTestBroker({ sys: { intervalSeconds: 0 }, limits: { maxQueuedMessages: 5 } })
  t.after(() => b.close())
  const away = await connectMqtt(b.mqttUrl, { clientId: 'away', clean: false })
  await away.subscribeAsync('q/#', { qos: 1 })
  await away.endAsync()
  const pub = await connectMqtt(b.mqttUrl)
  t.after(() => pub.endAsync())
  const before = await scrapeUntil(b.httpUrl, (s) => value(s, 'siar_sessions_disconnected') === 1, 'the session to be offline')

  for (let i = 0; i < 8; i++) await pub.publishAsync('q/a', `queued ${i}`, { qos: 1 })
  const full = await scrapeUntil(b.httpUrl, (s) => delta(before, s, dropped('queue_full')) === 3, '3 queue_full drops')
  assert.equal(value(full, 'siar_offline_queued_messages'), 5)
  assert.equal(value(full, 'siar_stored_subscriptions'), 1)
  assert.equal(delta(before, full, 'siar_publish_received_total{qos="1"}'), 8)
  assert.equal(delta(before, full, 'siar_publish_delivered_total{qos="1"}'), 0)

  const back = await connectMqtt(b.mqttUrl, { clientId: 'away', clean: false })
  t.after(() => back.endAsync())
  await new MessageCollector(back).waitForCount(5)
  const resumed = await scrapeUntil(b.httpUrl, (s) => value(s, 'siar_inflight_messages') === 0 &&
    delta(before, s, 'siar_publish_delivered_total{qos="1"}') === 5, '5 queued messages delivered and acknowledged')
  assert.equal(value(resumed, 'siar_offline_queued_messages'), 0)
  assert.equal(value(resumed, 'siar_sessions_disconnected'), 0)
  assert.equal(delta(before, resumed, dropped('queue_full')), 3)
})

test('a queued MQTT 5 message that outlived its expiry interval is dropped as expired, once', async (t) => {
  const b = await startTestBroker({ sys: { intervalSeconds: 0 } })
  t.after(() => b.close())
  const v5 = { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 300 } }
  const away = await connectMqtt(b.mqttUrl, { clientId: 'expiring', ...v5 })
  await away.subscribeAsync('e/#', { qos: 1 })
  await away.endAsync()
  const pub = await connectMqtt(b.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.endAsync())
  const before = await scrape(b.httpUrl)
  await pub.publishAsync('e/short', 'gone soon', { qos: 1, properties: { messageExpiryInterval: 1 } })
  await pub.publishAsync('e/long', 'still here', { qos: 1, properties: { messageExpiryInterval: 600 } })
  const publishedAt = Date.now()
  // The condition is the expiry itself: one second after publishing.
  await waitFor(() => Date.now() > publishedAt + 1100, 'the 1 s expiry interval to pass')

  const back = await connectMqtt(b.mqttUrl, { clientId: 'expiring', ...v5 })
  t.after(() => back.endAsync())
  const got = new MessageCollector(back)
  await got.waitForTopic('e/long')
  const after = await scrapeUntil(b.httpUrl, (s) => delta(before, s, dropped('expired')) >= 1 && value(s, 'siar_inflight_messages') === 0, 'the expired drop')
  assert.equal(delta(before, after, dropped('expired')), 1)
  assert.equal(delta(before, after, 'siar_publish_delivered_total{qos="1"}'), 1)
  assert.deepEqual(got.messages.map((m) => m.topic), ['e/long'])
})

test('no subscriber, retained messages and QoS 2 are counted', async (t) => {
  const b = await startTestBroker({ sys: { intervalSeconds: 0 } })
  t.after(() => b.close())
  const c = await connectMqtt(b.mqttUrl)
  t.after(() => c.endAsync())
  const before = await scrape(b.httpUrl)
  await c.publishAsync('nobody/listens', 'x', { qos: 0 })
  await c.publishAsync('keep/1', 'retained one', { qos: 2, retain: true })
  await c.publishAsync('keep/2', 'retained two', { qos: 1, retain: true })
  const after = await scrapeUntil(b.httpUrl, (s) => value(s, 'siar_retained_messages') === 2, 'two retained messages')
  assert.equal(delta(before, after, dropped('no_subscribers')), 3)
  assert.equal(delta(before, after, 'siar_publish_received_total{qos="2"}'), 1)
  assert.equal(delta(before, after, 'siar_publish_received_total{qos="0"}'), 1)
})

test('authentication failures are counted by reason, and the connection as auth_failed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-metrics-auth-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'passwd')
  execFileSync('mosquitto_passwd', ['-c', '-b', file, 'bob', 'bob-pass'])
  const b = await startTestBroker({ sys: { intervalSeconds: 0 }, auth: { passwordFile: file } })
  t.after(() => b.close())
  const before = await scrape(b.httpUrl)
  await assert.rejects(connectMqtt(b.mqttUrl, { username: 'bob', password: 'wrong' }))
  const ok = await connectMqtt(b.mqttUrl, { username: 'bob', password: 'bob-pass' })
  await ok.endAsync()
  const after = await scrapeUntil(b.httpUrl, (s) => delta(before, s, closed('auth_failed')) === 1, 'the refused connection to close')
  assert.equal(delta(before, after, 'siar_auth_failures_total{reason="bad_credentials"}'), 1)
  assert.equal(delta(before, after, closed('client_disconnect')), 1)
})

test('metrics.enabled=false removes the /metrics route', async (t) => {
  const b = await startTestBroker({ metrics: { enabled: false } })
  t.after(() => b.close())
  assert.equal((await fetch(`${b.httpUrl}/metrics`)).status, 404)
  assert.equal((await fetch(`${b.httpUrl}/healthz`)).status, 200)
})
