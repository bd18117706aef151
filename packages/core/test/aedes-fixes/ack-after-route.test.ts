import { test } from 'node:test'
import assert from 'node:assert/strict'
import mqemitter from 'mqemitter'
import { connectMqtt, MessageCollector, waitFor } from '@siar/testing'
import { ackQos1AfterRouting } from '../../src/aedes-fixes/ack-after-route.js'
import { startPlainAedes, type PlainAedes } from './plain-aedes.js'

// aedes 2.0.0-beta.1 writes a QoS 1 PUBACK before it routes the message; in a
// cluster "routing" is Redis, which can fail. aedes-fixes/ack-after-route.ts
// acks only once routing succeeded. A message bus we can hold shows the order.

interface Gate { held: Array<(err?: Error) => void> }

/** mqemitter whose emits on `gate/…` wait until the test releases them (with or without an error). */
function gatedBus (): { mq: any, gate: Gate } {
  const mq: any = mqemitter({ matchEmptyLevels: true })
  const gate: Gate = { held: [] }
  const emit = mq.emit.bind(mq)
  mq.emit = (packet: any, cb?: (err?: Error) => void) => {
    if (!String(packet.topic).startsWith('gate/')) return emit(packet, cb)
    gate.held.push((err) => (err ? cb?.(err) : emit(packet, cb)))
  }
  return { mq, gate }
}

async function start (t: any, fixed: boolean): Promise<{ plain: PlainAedes, gate: Gate }> {
  const { mq, gate } = gatedBus()
  let plain: PlainAedes | undefined
  const allow = (_c: unknown, _p: unknown, done: (err?: Error | null) => void): void => done(null)
  plain = await startPlainAedes({ mq, ...(fixed ? { authorizePublish: ackQos1AfterRouting(() => plain!.aedes, allow) } : {}) } as any)
  t.after(() => plain!.close())
  return { plain, gate }
}

test('upstream still acks first: plain aedes sends PUBACK while the message is still being routed', async (t) => {
  const { plain, gate } = await start(t, false)
  const pub = await connectMqtt(plain.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  await pub.publishAsync('gate/a', 'x', { qos: 1 })
  assert.equal(gate.held.length, 1,
    'PUBACK came while routing was held; if this fails aedes acks after routing now: remove aedes-fixes/ack-after-route.ts')
  gate.held.shift()!()
})

test('ackQos1AfterRouting: no PUBACK while routing is pending; a routing failure is refused, a success acked once and delivered once', async (t) => {
  const { plain, gate } = await start(t, true)
  const sub = await connectMqtt(plain.mqttUrl)
  t.after(() => sub.end(true))
  const got = new MessageCollector(sub)
  await sub.subscribeAsync('gate/#', { qos: 1 })
  const pub = await connectMqtt(plain.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.end(true))

  let acked = false
  const failed = pub.publishAsync('gate/fails', 'lost', { qos: 1 }).then(() => { acked = true }, (err: { code?: number }) => err)
  await waitFor(() => gate.held.length === 1, 'the publish to reach the bus')
  // A QoS 1 round trip on another topic passes the held one: the connection is not blocked, and still no PUBACK.
  await pub.publishAsync('free/ping', 'p', { qos: 1 })
  assert.equal(acked, false, 'no PUBACK before routing finished')
  gate.held.shift()!(new Error('Redis down'))
  const refusal = await failed
  assert.ok(refusal && (refusal as { code?: number }).code !== undefined && (refusal as { code: number }).code >= 0x80, 'refused with a failure reason code')

  const ok = pub.publishAsync('gate/ok', 'kept', { qos: 1 })
  await waitFor(() => gate.held.length === 1, 'the second publish to reach the bus')
  gate.held.shift()!()
  const puback = await ok
  assert.equal((puback as { reasonCode?: number } | undefined)?.reasonCode ?? 0, 0)
  const marker = pub.publishAsync('gate/marker', 'm', { qos: 1 })
  await waitFor(() => gate.held.length === 1, 'the marker')
  gate.held.shift()!()
  await marker
  await waitFor(() => got.messages.some((m) => m.topic === 'gate/marker'), 'marker delivered')
  assert.deepEqual(got.messages.map((m) => m.payload), ['kept', 'm'], 'the refused message was not delivered; the acked one once')
})
