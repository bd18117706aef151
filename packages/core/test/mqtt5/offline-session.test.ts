import { test } from 'node:test'
import assert from 'node:assert/strict'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { startTestBroker, connectMqtt, MessageCollector } from '@siar/testing'

// Persistent sessions: QoS 1/2 messages for an offline session are kept and delivered when
// it resumes ([MQTT-3.1.2-5], §4.1); a session ends when its Session Expiry Interval passes
// after the connection closed (§3.1.2.11.2), and then nothing of it is resumed.

async function connack (url: string, t: any, opts: IClientOptions): Promise<{ sessionPresent: boolean, got: MessageCollector, client: MqttClient }> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, ...opts })
  t.after(() => client.end(true))
  const got = new MessageCollector(client) // before CONNACK: the queue follows it at once
  const ack: any = await new Promise((resolve, reject) => {
    client.once('connect', resolve)
    client.once('error', reject)
  })
  return { sessionPresent: ack.sessionPresent, got, client }
}

const cases: Array<[string, IClientOptions, IClientOptions]> = [
  ['v5, Clean Start 0 and Session Expiry 300 both times', { protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } }, { protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } }],
  ['v5, resumed with no Session Expiry (the Paho interoperability suite)', { protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } }, { protocolVersion: 5, clean: false }],
  ['v3.1.1, clean session 0', { protocolVersion: 4, clean: false }, { protocolVersion: 4, clean: false }]
]

for (const [name, first, resume] of cases) {
  test(`queued QoS 1 and 2 messages are delivered on resume: ${name}`, async (t) => {
    const tb = await startTestBroker()
    t.after(() => tb.close())
    const clientId = `offline-${name.length}-${String(first.protocolVersion)}`
    const sub = await connectMqtt(tb.mqttUrl, { ...first, clientId })
    await sub.subscribeAsync('off/#', { qos: 2 })
    await sub.endAsync()
    const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
    t.after(() => pub.end(true))
    await pub.publishAsync('off/1', 'q1', { qos: 1 })
    await pub.publishAsync('off/2', 'q2', { qos: 2 })
    await pub.publishAsync('off/3', 'q1b', { qos: 1 })

    const { sessionPresent, got } = await connack(tb.mqttUrl, t, { ...resume, clientId })
    assert.equal(sessionPresent, true)
    await got.waitForCount(3)
    assert.deepEqual(got.messages.map((m) => [m.topic, m.payload, m.qos]).sort(), [['off/1', 'q1', 1], ['off/2', 'q2', 2], ['off/3', 'q1b', 1]])
  })
}

test('a session whose expiry passed is gone: no session present, nothing queued', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const sub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5, clientId: 'short-lived', properties: { sessionExpiryInterval: 1 } })
  await sub.subscribeAsync('gone/t', { qos: 1 })
  const expired = new Promise<void>((resolve) => tb.broker.aedes.once('sessionExpired' as any, () => resolve()))
  await sub.endAsync()
  const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  await pub.publishAsync('gone/t', 'lost', { qos: 1 })
  await expired
  const { sessionPresent, got, client } = await connack(tb.mqttUrl, t, { protocolVersion: 5, clientId: 'short-lived', clean: false })
  assert.equal(sessionPresent, false)
  // The subscription went with the session: neither the queued nor a live message arrives.
  await client.subscribeAsync('gone/sentinel', { qos: 1 })
  await pub.publishAsync('gone/t', 'after', { qos: 1 })
  await pub.publishAsync('gone/sentinel', 's', { qos: 1 })
  await got.waitForTopic('gone/sentinel')
  assert.deepEqual(got.messages.map((m) => m.topic), ['gone/sentinel'])
})
