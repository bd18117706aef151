import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, MessageCollector, nextEvent, spawnTracked, type TestBroker } from '@siar/testing'
import type { IClientOptions } from 'mqtt'
import { connectRaw } from './wire-tap.js'

// [MQTT-3.1.2-8] The Will Message MUST be published after the Network Connection is closed and
// either the Will Delay Interval has passed or the Session ends, unless the Will Message has
// been deleted by the Server on receipt of a DISCONNECT with Reason Code 0x00 [MQTT-3.1.2-10]
// or a new Network Connection for the ClientID is opened before the Will Delay Interval has
// passed [MQTT-3.1.3-9].

async function watcher (tb: TestBroker, t: any): Promise<MessageCollector> {
  const w = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => w.end(true))
  await w.subscribeAsync('will/#', { qos: 1 })
  return new MessageCollector(w)
}

async function withWill (tb: TestBroker, t: any, clientId: string, opts: { delay?: number, sessionExpiry?: number, extra?: Partial<IClientOptions> } = {}): Promise<any> {
  const client = await connectMqtt(tb.mqttUrl, {
    protocolVersion: 5,
    clientId,
    properties: opts.sessionExpiry === undefined ? {} : { sessionExpiryInterval: opts.sessionExpiry },
    will: {
      topic: `will/${clientId}`,
      payload: Buffer.from(`${clientId} left`),
      qos: 1,
      retain: false,
      properties: opts.delay === undefined ? {} : { willDelayInterval: opts.delay }
    } as any,
    ...opts.extra
  })
  t.after(() => client.end(true))
  return client
}

test('the will is published on an abrupt disconnect, not after DISCONNECT 0x00; 0x04 asks for it', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const got = await watcher(tb, t)
  const polite = await withWill(tb, t, 'polite')
  const asking = await withWill(tb, t, 'asking')
  const abrupt = await withWill(tb, t, 'abrupt')
  await polite.endAsync()
  await new Promise<void>((resolve) => asking.end(false, { reasonCode: 0x04 }, () => resolve()))
  await got.waitForTopic('will/asking')
  abrupt.stream.destroy()
  await got.waitForTopic('will/abrupt')
  // polite closed first; its will would have been published before the two that were.
  assert.deepEqual(got.messages.map((m) => m.topic).sort(), ['will/abrupt', 'will/asking'])
})

test('Will Delay Interval: the will is published after the delay', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const got = await watcher(tb, t)
  const client = await withWill(tb, t, 'delayed', { delay: 2, sessionExpiry: 30 })
  const droppedAt = Date.now()
  client.stream.destroy()
  const will = await got.waitForTopic('will/delayed', 6000)
  const waited = Date.now() - droppedAt
  assert.ok(waited >= 1900, `published after ${waited} ms, the delay is 2 s`)
  assert.equal(will.payload, 'delayed left')
  assert.equal((will.packet.properties as Record<string, unknown> | undefined)?.willDelayInterval, undefined)
})

test('reconnecting within the Will Delay Interval cancels the will', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const got = await watcher(tb, t)
  const back = await withWill(tb, t, 'back', { delay: 1, sessionExpiry: 30 })
  const gone = await withWill(tb, t, 'gone', { delay: 2, sessionExpiry: 30 })
  back.stream.destroy()
  gone.stream.destroy()
  const again = await connectMqtt(tb.mqttUrl, { protocolVersion: 5, clientId: 'back', clean: false, properties: { sessionExpiryInterval: 30 } })
  t.after(() => again.end(true))
  // 'gone' has the longer delay: when its will arrives, 'back's would have too.
  await got.waitForTopic('will/gone', 6000)
  assert.deepEqual(got.messages.map((m) => m.topic), ['will/gone'])
})

test('the will is published when the session ends, if that comes before the delay', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const got = await watcher(tb, t)
  const expiring = await withWill(tb, t, 'expiring', { delay: 60, sessionExpiry: 1 })
  const ending = await withWill(tb, t, 'ending', { delay: 60, sessionExpiry: 0 })
  const droppedAt = Date.now()
  ending.stream.destroy()
  await got.waitForTopic('will/ending') // session expiry 0: the session ends with the connection
  expiring.stream.destroy()
  await got.waitForTopic('will/expiring', 5000)
  assert.ok(Date.now() - droppedAt < 5000)
})

test('a keep-alive timeout publishes the will with its user properties', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const got = await watcher(tb, t)
  // A raw client: it sends CONNECT with keep-alive 1 s and then nothing, not even PINGREQ.
  const silent = await connectRaw(tb.port, {
    protocolVersion: 5,
    clientId: 'silent',
    keepalive: 1,
    will: { topic: 'will/silent', payload: Buffer.from('timeout'), qos: 1, retain: false, properties: { willDelayInterval: 0, userProperties: { a: '2', c: '3' } } }
  })
  t.after(() => silent.destroy())
  const will = await got.waitForTopic('will/silent', 5000)
  assert.deepEqual({ ...will.packet.properties?.userProperties }, { a: '2', c: '3' })
})

test('a will with properties from another client library (mosquitto_sub, libmosquitto) is accepted and delivered', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const got = await watcher(tb, t)
  const ready = nextEvent(tb.broker.aedes as any, 'clientReady')
  const mosq = spawnTracked('mosquitto_sub', [
    '-V', '5', '-h', '127.0.0.1', '-p', String(tb.port), '-i', 'mosq-will', '-t', 'mosq/none', '-x', '30',
    '--will-topic', 'will/mosq', '--will-payload', 'bye', '--will-qos', '1',
    '-D', 'will', 'will-delay-interval', '1', '-D', 'will', 'content-type', 'text/plain',
    '-D', 'will', 'user-property', 'a', 'b', '-D', 'will', 'payload-format-indicator', '1',
    '-D', 'will', 'response-topic', 'r/t', '-D', 'will', 'correlation-data', 'abc'
  ])
  t.after(() => mosq.stop('SIGKILL'))
  const [client] = await ready as [any]
  assert.equal(client.id, 'mosq-will')
  await mosq.stop('SIGKILL') // abrupt: the will is due after its 1 s delay
  const will = await got.waitForTopic('will/mosq', 5000)
  assert.equal(will.payload, 'bye')
  const { userProperties, ...rest } = will.packet.properties ?? {}
  assert.deepEqual(rest, { contentType: 'text/plain', payloadFormatIndicator: true, responseTopic: 'r/t', correlationData: Buffer.from('abc') })
  assert.deepEqual({ ...userProperties }, { a: 'b' })
})
