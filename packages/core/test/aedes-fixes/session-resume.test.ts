import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, MessageCollector, waitFor } from '@siar/testing'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { startPlainAedes } from './plain-aedes.js'

// [MQTT-3.1.2-5] If CleanStart is set to 0 and there is a Session associated with the Client
// Identifier, the Server MUST resume communications with the Client based on state from the
// existing Session. The new CONNECT's Session Expiry Interval only says when the session ends
// after this connection (§3.1.2.11.2).

/** Queue two messages for an offline session, then resume it with Clean Start 0 and `resumeExpiry`. */
async function resumeWith (url: string, t: any, clientId: string, resumeExpiry: number | undefined): Promise<MessageCollector & { client: MqttClient }> {
  const first = await connectMqtt(url, { protocolVersion: 5, clientId, properties: { sessionExpiryInterval: 60 } })
  await first.subscribeAsync('resume/t', { qos: 1 })
  await first.subscribeAsync('resume/sentinel', { qos: 1 })
  await first.endAsync()
  const pub = await connectMqtt(url, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  await pub.publishAsync('resume/t', 'one', { qos: 1 })
  await pub.publishAsync('resume/t', 'two', { qos: 2 })
  await pub.publishAsync('resume/sentinel', 'last', { qos: 1 })
  const again = await connectMqtt(url, {
    protocolVersion: 5,
    clientId,
    clean: false,
    properties: resumeExpiry === undefined ? {} : { sessionExpiryInterval: resumeExpiry }
  })
  t.after(() => again.end(true))
  const collector = new MessageCollector(again)
  // The session is the one that was there: its subscription still routes live messages.
  await pub.publishAsync('resume/t', 'live', { qos: 1 })
  await collector.waitForTopic('resume/t')
  await waitFor(() => collector.messages.some((m) => m.payload === 'live'), 'the live message')
  return Object.assign(collector, { client: again })
}

test('upstream still broken: plain aedes discards the queue of a session resumed without a Session Expiry Interval', async (t) => {
  const plain = await startPlainAedes()
  t.after(() => plain.close())
  const got = await resumeWith(plain.mqttUrl, t, 'resume-plain', undefined)
  assert.deepEqual(got.messages.map((m) => m.payload), ['live'],
    'plain aedes delivers the queue now: upstream fixed [MQTT-3.1.2-5], remove keepSessionWhileConnected from aedes-fixes/session-resume.ts')
})

for (const resumeExpiry of [undefined, 0, 60]) {
  test(`siar delivers the queue of a session resumed with Clean Start 0 and Session Expiry ${String(resumeExpiry)}`, async (t) => {
    const tb = await startTestBroker()
    t.after(() => tb.close())
    const got = await resumeWith(tb.mqttUrl, t, `resume-${String(resumeExpiry)}`, resumeExpiry)
    await got.waitForCount(4)
    assert.deepEqual(got.messages.map((m) => m.payload).sort(), ['last', 'live', 'one', 'two'])
    assert.deepEqual(got.messages.slice(0, 3).map((m) => m.payload), ['one', 'two', 'last'], 'queued messages keep their order')
  })
}

test('a session resumed with expiry 0 still ends when that connection closes', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const got = await resumeWith(tb.mqttUrl, t, 'resume-ends', 0)
  await got.waitForCount(4)
  const ended = new Promise<void>((resolve) => tb.broker.aedes.once('clientDisconnect', () => resolve()))
  await got.client.endAsync()
  await ended
  const connack = await connackOf(tb.mqttUrl, t, { protocolVersion: 5, clientId: 'resume-ends', clean: false })
  assert.equal(connack.sessionPresent, false)
})

async function connackOf (url: string, t: any, opts: IClientOptions): Promise<any> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, ...opts })
  t.after(() => client.end(true))
  return await new Promise((resolve, reject) => {
    client.once('connect', resolve)
    client.once('error', reject)
  })
}
