import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, MessageCollector } from '@siar/testing'

// [MQTT-3.3.2-16..20] Payload Format Indicator, Content Type, Response Topic, Correlation Data and
// User Properties are forwarded unaltered; [MQTT-3.3.2-6] Message Expiry is forwarded with the
// time left; a v3.1.1 subscriber receives the same topic and payload without them.

const properties = {
  payloadFormatIndicator: true,
  messageExpiryInterval: 120,
  contentType: 'application/json',
  responseTopic: 'reply/to/me',
  correlationData: Buffer.from([0, 1, 2, 255]),
  userProperties: { region: 'eu', tags: ['a', 'b'] }
}

for (const qos of [0, 1, 2] as const) {
  test(`v5 properties arrive intact at a v5 subscriber, and a v3.1.1 subscriber gets the same message (QoS ${qos})`, async (t) => {
    const tb = await startTestBroker()
    t.after(() => tb.close())
    const v5 = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
    const v4 = await connectMqtt(tb.mqttUrl, { protocolVersion: 4 })
    const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
    t.after(() => { v5.end(true); v4.end(true); pub.end(true) })
    const got5 = new MessageCollector(v5)
    const got4 = new MessageCollector(v4)
    await v5.subscribeAsync('props/t', { qos })
    await v4.subscribeAsync('props/t', { qos })
    await pub.publishAsync('props/t', '{"v":1}', { qos, properties })

    const [m5] = await got5.waitForCount(1)
    const [m4] = await got4.waitForCount(1)
    assert.equal(m5?.payload, '{"v":1}')
    const { messageExpiryInterval, userProperties, ...rest } = m5?.packet.properties ?? {}
    assert.deepEqual(rest, {
      payloadFormatIndicator: true,
      contentType: 'application/json',
      responseTopic: 'reply/to/me',
      correlationData: Buffer.from([0, 1, 2, 255])
    })
    assert.deepEqual({ ...userProperties }, { region: 'eu', tags: ['a', 'b'] })
    assert.ok(messageExpiryInterval !== undefined && messageExpiryInterval <= 120 && messageExpiryInterval >= 115)
    assert.deepEqual([m4?.topic, m4?.payload, m4?.qos], ['props/t', '{"v":1}', qos])
    assert.equal(m4?.packet.properties, undefined)
  })
}

test('request/response: the responder answers on the Response Topic with the Correlation Data', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const requester = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  const responder = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => { requester.end(true); responder.end(true) })
  await responder.subscribeAsync('svc/echo', { qos: 1 })
  responder.on('message', (_topic, payload, packet) => {
    const { responseTopic, correlationData } = packet.properties ?? {}
    if (responseTopic === undefined) return
    responder.publish(responseTopic, `echo:${payload.toString()}`, { qos: 1, properties: { correlationData } })
  })
  const replies = new MessageCollector(requester)
  await requester.subscribeAsync('svc/echo/reply/42', { qos: 1 })
  await requester.publishAsync('svc/echo', 'hello', { qos: 1, properties: { responseTopic: 'svc/echo/reply/42', correlationData: Buffer.from('req-7') } })
  const reply = await replies.waitForTopic('svc/echo/reply/42')
  assert.equal(reply.payload, 'echo:hello')
  assert.deepEqual(reply.packet.properties?.correlationData, Buffer.from('req-7'))
})
