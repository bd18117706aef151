import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, MessageCollector } from '@siar/testing'

const VERSIONS = [3, 4, 5] as const
const TRANSPORTS = ['tcp', 'ws'] as const

for (const transport of TRANSPORTS) {
  for (const version of VERSIONS) {
    test(`QoS 0, 1 and 2 end to end over ${transport}, MQTT protocol level ${version}`, async (t) => {
      const b = await startTestBroker()
      t.after(() => b.close())
      const url = transport === 'tcp' ? b.mqttUrl : b.wsUrl
      const sub = await connectMqtt(url, { protocolVersion: version, clientId: `sub-${version}` })
      const pub = await connectMqtt(url, { protocolVersion: version, clientId: `pub-${version}` })
      t.after(() => { sub.end(true); pub.end(true) })
      const got = new MessageCollector(sub)
      await sub.subscribeAsync('qos/#', { qos: 2 })
      for (const qos of [0, 1, 2] as const) {
        await pub.publishAsync(`qos/${qos}`, `payload-${qos}`, { qos })
      }
      const messages = await got.waitForCount(3)
      for (const qos of [0, 1, 2]) {
        const m = messages.find((x) => x.topic === `qos/${qos}`)
        assert.ok(m, `message at QoS ${qos} arrived`)
        assert.equal(m.payload, `payload-${qos}`)
        assert.equal(m.qos, qos, 'delivered at the publish QoS (subscription allows 2)')
      }
    })
  }
}

test('delivery QoS is the minimum of publish and subscription QoS', async (t) => {
  const b = await startTestBroker()
  t.after(() => b.close())
  const sub = await connectMqtt(b.mqttUrl, { protocolVersion: 5 })
  const pub = await connectMqtt(b.mqttUrl, { protocolVersion: 5 })
  t.after(() => { sub.end(true); pub.end(true) })
  const got = new MessageCollector(sub)
  await sub.subscribeAsync('down/grade', { qos: 1 })
  await pub.publishAsync('down/grade', 'x', { qos: 2 })
  const [m] = await got.waitForCount(1)
  assert.equal(m?.qos, 1)
})
