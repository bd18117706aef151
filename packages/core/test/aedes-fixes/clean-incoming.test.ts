import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, MessageCollector } from '@siar/testing'
import { connectRaw } from '../mqtt5/wire-tap.js'
import { startPlainAedes } from './plain-aedes.js'

// [MQTT-3.1.2-4] (v5) / [MQTT-3.1.2-6] (v3.1.1): a clean start discards the previous session,
// including the QoS 2 messages it received but never saw released. Otherwise a client that
// reconnects clean and reuses a packet id has its new message taken for a duplicate
// (aedes-fixes/clean-incoming.ts, run from preConnect in broker.ts).

const PACKET_ID = 42

/** Leave a QoS 2 PUBLISH unreleased, reconnect clean, reuse its packet id: which payloads reach a subscriber? */
async function reusedPacketId (port: number, t: any, protocolVersion: 4 | 5): Promise<string[]> {
  const sub = await connectMqtt(`mqtt://127.0.0.1:${port}`, { protocolVersion })
  t.after(() => sub.end(true))
  const collector = new MessageCollector(sub)
  await sub.subscribeAsync('ci/#', { qos: 2 })

  const first = await connectRaw(port, { protocolVersion, clientId: `ci-${protocolVersion}`, clean: false, properties: protocolVersion === 5 ? { sessionExpiryInterval: 60 } : undefined })
  first.send({ cmd: 'publish', topic: 'ci/t', payload: 'first', qos: 2, messageId: PACKET_ID })
  await first.tap.waitFor((p) => p.cmd === 'pubrec', 'PUBREC of the first message')
  first.destroy() // never sends PUBREL: the broker keeps packet id 42 as received
  await collector.waitForTopic('ci/t')

  const second = await connectRaw(port, { protocolVersion, clientId: `ci-${protocolVersion}`, clean: true })
  t.after(() => second.destroy())
  second.send({ cmd: 'publish', topic: 'ci/t', payload: 'second', qos: 2, messageId: PACKET_ID })
  await second.tap.waitFor((p) => p.cmd === 'pubrec', 'PUBREC of the second message')
  second.send({ cmd: 'pubrel', messageId: PACKET_ID })
  await second.tap.waitFor((p) => p.cmd === 'pubcomp', 'PUBCOMP')
  // Published after the second message's exchange completed: once it is here, so would 'second' be.
  second.send({ cmd: 'publish', topic: 'ci/sentinel', payload: 'sentinel', qos: 0 })
  await collector.waitForTopic('ci/sentinel')
  return collector.messages.filter((m) => m.topic === 'ci/t').map((m) => m.payload)
}

test('upstream still broken: plain aedes drops a reused QoS 2 packet id after a clean reconnect', async (t) => {
  const plain = await startPlainAedes()
  t.after(() => plain.close())
  assert.deepEqual(await reusedPacketId(plain.port, t, 4), ['first'],
    'plain aedes delivers it now: upstream calls cleanIncoming again, remove aedes-fixes/clean-incoming.ts')
})

for (const protocolVersion of [4, 5] as const) {
  test(`siar delivers a reused QoS 2 packet id after a clean reconnect (protocol ${protocolVersion})`, async (t) => {
    const tb = await startTestBroker()
    t.after(() => tb.close())
    assert.deepEqual(await reusedPacketId(tb.port, t, protocolVersion), ['first', 'second'])
  })
}

test('siar still treats a resent QoS 2 packet id as a duplicate within a resumed session', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const sub = await connectMqtt(tb.mqttUrl)
  t.after(() => sub.end(true))
  const collector = new MessageCollector(sub)
  await sub.subscribeAsync('cd/#', { qos: 2 })
  const first = await connectRaw(tb.port, { clientId: 'cd', clean: false })
  first.send({ cmd: 'publish', topic: 'cd/t', payload: 'once', qos: 2, messageId: PACKET_ID })
  await first.tap.waitFor((p) => p.cmd === 'pubrec', 'PUBREC')
  first.destroy()
  // Resume (clean=false) and resend with DUP, as [MQTT-4.4.0-1] asks: exactly-once means no second copy.
  const again = await connectRaw(tb.port, { clientId: 'cd', clean: false })
  t.after(() => again.destroy())
  again.send({ cmd: 'publish', topic: 'cd/t', payload: 'once', qos: 2, dup: true, messageId: PACKET_ID })
  await again.tap.waitFor((p) => p.cmd === 'pubrec', 'PUBREC of the resent message')
  again.send({ cmd: 'pubrel', messageId: PACKET_ID })
  await again.tap.waitFor((p) => p.cmd === 'pubcomp', 'PUBCOMP')
  again.send({ cmd: 'publish', topic: 'cd/sentinel', payload: 's', qos: 0 })
  await collector.waitForTopic('cd/sentinel')
  assert.deepEqual(collector.messages.filter((m) => m.topic === 'cd/t').map((m) => m.payload), ['once'])
})
