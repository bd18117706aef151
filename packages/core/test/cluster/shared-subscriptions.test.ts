import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { MqttClient } from 'mqtt'
import { startTestBroker, connectMqtt, MessageCollector, waitFor, startRedis, type TestBroker } from '@siar/testing'

const publishN = async (pub: MqttClient, n: number, prefix = 'jobs'): Promise<void> => {
  for (let i = 0; i < n; i++) await pub.publishAsync(`${prefix}/${i}`, `m${i}`, { qos: 1 })
}
const topicsOf = (...collectors: MessageCollector[]): string[] => collectors.flatMap((c) => c.messages.map((m) => m.topic))

async function sharedCase (t: any, brokers: TestBroker[]): Promise<void> {
  const at = (i: number): string => (brokers[i % brokers.length] as TestBroker).mqttUrl
  const a = await connectMqtt(at(0), { protocolVersion: 5, clientId: 'worker-a' })
  const b = await connectMqtt(at(1), { protocolVersion: 4, clientId: 'worker-b' })
  const other = await connectMqtt(at(1), { protocolVersion: 5, clientId: 'other-group' })
  const pub = await connectMqtt(at(2), { protocolVersion: 5 })
  t.after(() => { for (const c of [a, b, other, pub]) c.end(true) })
  const ca = new MessageCollector(a)
  const cb = new MessageCollector(b)
  const co = new MessageCollector(other)
  await a.subscribeAsync('$share/workers/jobs/#', { qos: 1 })
  await b.subscribeAsync('$share/workers/jobs/#', { qos: 1 })
  await other.subscribeAsync('$share/audit/jobs/#', { qos: 1 })

  await publishN(pub, 40)
  await waitFor(() => ca.messages.length + cb.messages.length >= 40, '40 messages across the workers group')
  await waitFor(() => co.messages.length >= 40, '40 messages in the audit group')
  await pub.publishAsync('done', 'x', { qos: 1 })
  const workers = topicsOf(ca, cb)
  assert.equal(workers.length, 40, 'each message to exactly one member of the group (no duplicates)')
  assert.equal(new Set(workers).size, 40)
  assert.equal(co.messages.length, 40, 'every group gets every message')
  assert.ok(ca.messages.length > 0 && cb.messages.length > 0, `load spreads across members (${ca.messages.length}/${cb.messages.length})`)

  // A member leaves: the other gets everything.
  await b.endAsync()
  const before = ca.messages.length
  await publishN(pub, 10, 'jobs/later')
  await waitFor(() => ca.messages.length - before >= 10, 'the remaining member receives all messages')
}

test('shared subscriptions on one node: one member per group per message, load spread, failover to remaining members', async (t) => {
  const b = await startTestBroker()
  t.after(() => b.close())
  await sharedCase(t, [b])
})

test('shared subscriptions across three nodes sharing one Redis', async (t) => {
  const redis = await startRedis()
  const nodes: TestBroker[] = []
  t.after(async () => {
    for (const n of nodes) await n.close()
    await redis.stop()
  })
  for (const id of ['n1', 'n2', 'n3']) nodes.push(await startTestBroker({ nodeId: id, cluster: { redis: redis.url } }))
  await sharedCase(t, nodes)
})

test('a QoS 1 message whose member dropped before acknowledging goes to another member', async (t) => {
  const b = await startTestBroker()
  t.after(() => b.close())
  const flaky = await connectMqtt(b.mqttUrl, { protocolVersion: 5, clientId: 'flaky' })
  const steady = await connectMqtt(b.mqttUrl, { protocolVersion: 5, clientId: 'steady' })
  const pub = await connectMqtt(b.mqttUrl)
  t.after(() => { for (const c of [flaky, steady, pub]) c.end(true) })
  const flakyGot = new MessageCollector(flaky)
  const steadyGot = new MessageCollector(steady)
  await flaky.subscribeAsync('$share/g/work', { qos: 1 })
  await steady.subscribeAsync('$share/g/work', { qos: 1 })
  // From now on the flaky member never acknowledges (its PUBACKs are swallowed), then it drops.
  ;(flaky as any)._sendPacket = function () {}
  for (let i = 0; i < 6; i++) await pub.publishAsync('work', `w${i}`, { qos: 1 })
  await waitFor(() => flakyGot.messages.length > 0, 'the flaky member got some messages')
  flaky.stream.destroy()
  await waitFor(() => new Set(steadyGot.messages.map((m) => m.payload)).size === 6, 'every message reaches the steady member')
})
