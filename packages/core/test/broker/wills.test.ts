import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, MessageCollector } from '@siar/testing'

for (const protocolVersion of [4, 5] as const) {
  test(`will is published on abrupt disconnect, not on clean DISCONNECT (protocol ${protocolVersion})`, async (t) => {
    const b = await startTestBroker()
    t.after(() => b.close())
    const watcher = await connectMqtt(b.mqttUrl)
    t.after(() => watcher.end(true))
    const got = new MessageCollector(watcher)
    await watcher.subscribeAsync('status/#', { qos: 1 })

    const will = (id: string) => ({ topic: `status/${id}`, payload: Buffer.from(`${id} offline`), qos: 1 as const, retain: false })
    const polite = await connectMqtt(b.mqttUrl, { protocolVersion, clientId: 'polite', will: will('polite') })
    await polite.endAsync() // sends DISCONNECT
    const rude = await connectMqtt(b.mqttUrl, { protocolVersion, clientId: 'rude', will: will('rude') })
    rude.stream.destroy() // the TCP connection just drops

    const m = await got.waitForTopic('status/rude')
    assert.equal(m.payload, 'rude offline')
    await watcher.publishAsync('status/marker', 'm', { qos: 1 })
    await got.waitForTopic('status/marker')
    assert.equal(got.messages.some((x) => x.topic === 'status/polite'), false, 'no will after a clean DISCONNECT')
  })
}
