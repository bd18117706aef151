import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { Redis } from 'ioredis'
import mqtt, { type IClientOptions, type IConnackPacket, type IDisconnectPacket, type MqttClient } from 'mqtt'
import {
  startRedis, startBrokerCluster, connectMqtt, MessageCollector, nextEvent, waitFor,
  type BrokerCluster, type RedisServer
} from '@siar/testing'

// Sessions live in Redis: a client may leave node A and come back on node B.

const MAX_QUEUED = 10
let redis: RedisServer
let cluster: BrokerCluster

before(async () => {
  redis = await startRedis()
  cluster = await startBrokerCluster({
    nodes: 3,
    redisUrl: redis.url,
    idPrefix: 'sess',
    args: ['--max-queued-messages', String(MAX_QUEUED)]
  })
})
after(async () => {
  await cluster?.stop()
  await redis?.stop()
})

const url = (i: number): string => cluster.nodes[i]!.mqttUrl

/** Connect with a collector attached before CONNACK: queued messages follow it at once. */
async function resume (brokerUrl: string, opts: IClientOptions): Promise<{ client: MqttClient, connack: IConnackPacket, got: MessageCollector }> {
  const client = mqtt.connect(brokerUrl, { reconnectPeriod: 0, connectTimeout: 5000, ...opts })
  const got = new MessageCollector(client)
  const [connack] = await nextEvent<[IConnackPacket]>(client, 'connect')
  return { client, connack, got }
}

const sessions = [
  { name: 'MQTT 3.1.1 clean=false', clientId: 'sess-v3', opts: { protocolVersion: 4 as const, clean: false } },
  { name: 'MQTT 5 session expiry', clientId: 'sess-v5', opts: { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 300 } } }
]

for (const s of sessions) {
  test(`${s.name}: a session made on A resumes on B with sessionPresent and every queued QoS 1 and 2 message`, async (t) => {
    const first = await connectMqtt(url(0), { clientId: s.clientId, ...s.opts })
    await first.subscribeAsync({ [`${s.clientId}/q1`]: { qos: 1 }, [`${s.clientId}/q2`]: { qos: 2 } })
    await first.endAsync()

    const pub = await connectMqtt(url(2))
    t.after(() => pub.end(true))
    const sent: string[] = []
    for (let i = 0; i < 3; i++) {
      for (const qos of [1, 2] as const) {
        const payload = `q${qos}-${i}`
        await pub.publishAsync(`${s.clientId}/q${qos}`, payload, { qos })
        sent.push(payload)
      }
    }

    const { client, connack, got } = await resume(url(1), { clientId: s.clientId, ...s.opts })
    t.after(() => client.end(true))
    assert.equal(connack.sessionPresent, true, 'the session is found on another node')
    await got.waitForCount(sent.length)
    assert.deepEqual(got.messages.map((m) => m.payload).sort(), [...sent].sort(), 'every queued message, once')
    for (const m of got.messages) assert.equal(m.qos, Number(m.payload[1]), `${m.payload} keeps its QoS`)
  })
}

test('the same client id on B disconnects the older connection on A: v5 with reason 0x8E, within a second', async (t) => {
  const old = await connectMqtt(url(0), { clientId: 'sess-dup', protocolVersion: 5 })
  t.after(() => old.end(true))
  const oldV3 = await connectMqtt(url(0), { clientId: 'sess-dup-v3', protocolVersion: 4 })
  t.after(() => oldV3.end(true))
  const disconnected = nextEvent<[IDisconnectPacket]>(old, 'disconnect', 1000)
  const closedV3 = nextEvent(oldV3, 'close', 1000)
  const started = Date.now()
  const fresh = await connectMqtt(url(1), { clientId: 'sess-dup', protocolVersion: 5 })
  t.after(() => fresh.end(true))
  const freshV3 = await connectMqtt(url(1), { clientId: 'sess-dup-v3', protocolVersion: 4 })
  t.after(() => freshV3.end(true))
  const [packet] = await disconnected
  assert.equal(packet.reasonCode, 0x8e, 'Session taken over')
  await closedV3
  assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`)
  // The newer connections stay up.
  await fresh.publishAsync('sess/dup/alive', 'x', { qos: 1 })
  await freshV3.publishAsync('sess/dup/alive', 'x', { qos: 1 })
  assert.equal(fresh.connected && freshV3.connected, true)
})

test('offline queue cap in a cluster: messages routed to a client online on another node do not use up its cap', async (t) => {
  const sub = await connectMqtt(url(1), { clientId: 'sess-cap', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } })
  await sub.subscribeAsync('sess/cap', { qos: 1 })
  const live = new MessageCollector(sub)
  const pub = await connectMqtt(url(0))
  t.after(() => pub.end(true))
  // Online on B, published on A: far more than the cap, all delivered and acknowledged.
  for (let i = 0; i < MAX_QUEUED * 4; i++) await pub.publishAsync('sess/cap', `live-${i}`, { qos: 1 })
  await live.waitForCount(MAX_QUEUED * 4)
  await sub.endAsync()
  // The cap counts what is in the session's queue: wait until B has processed the last PUBACKs.
  const probe = new Redis(redis.port, '127.0.0.1')
  t.after(() => probe.disconnect())
  await waitFor(async () => (await probe.llen('siar:outgoing:sess-cap')) === 0, 'the live phase fully acknowledged')

  for (let i = 0; i < MAX_QUEUED * 2; i++) await pub.publishAsync('sess/cap', `off-${i}`, { qos: 1 })
  const { client, connack, got } = await resume(url(2), { clientId: 'sess-cap', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } })
  t.after(() => client.end(true))
  assert.equal(connack.sessionPresent, true)
  await got.waitForCount(MAX_QUEUED)
  // A marker past the cap would have been dropped too; an online one is not.
  await pub.publishAsync('sess/cap', 'marker', { qos: 1 })
  await waitFor(() => got.messages.some((m) => m.payload === 'marker'), 'marker')
  assert.deepEqual(got.messages.map((m) => m.payload),
    [...Array.from({ length: MAX_QUEUED }, (_, i) => `off-${i}`), 'marker'],
    'the oldest offline messages up to the cap, then live traffic')
})

// Session Expiry and Will Delay timers live on the node the client left. When the session
// continues on another node they must not fire. The windows below wait for a timer that
// must not fire: there is no event for "did not happen".

test('MQTT 5 session expiry armed on A does not wipe the session after the client moved to B', async (t) => {
  const opts = { clientId: 'sess-exp', protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 2 } }
  const first = await connectMqtt(url(0), opts)
  await first.subscribeAsync('sess/exp', { qos: 1 })
  await first.endAsync()
  const second = await connectMqtt(url(1), opts)
  // A's 2 s expiry timer would fire in this window.
  await delay(3_000)
  await second.endAsync()

  const pub = await connectMqtt(url(2))
  t.after(() => pub.end(true))
  await pub.publishAsync('sess/exp', 'kept', { qos: 1 })
  const { client, connack, got } = await resume(url(1), opts)
  t.after(() => client.end(true))
  assert.equal(connack.sessionPresent, true, 'the session survived A\'s expiry timer')
  const [m] = await got.waitForCount(1)
  assert.equal(m?.payload, 'kept')
})

test('MQTT 5 will delay armed on A is cancelled when the client reconnects on B in time [MQTT-3.1.3-9]', async (t) => {
  const watcher = await connectMqtt(url(2))
  t.after(() => watcher.end(true))
  const seen = new MessageCollector(watcher)
  await watcher.subscribeAsync('sess/dwill', { qos: 0 })
  const opts = {
    clientId: 'sess-dwill',
    protocolVersion: 5 as const,
    clean: false,
    properties: { sessionExpiryInterval: 60 },
    will: { topic: 'sess/dwill', payload: Buffer.from('gone'), qos: 0 as const, retain: false, properties: { willDelayInterval: 2 } }
  }
  const owner = await connectMqtt(url(0), opts)
  owner.on('error', () => {})
  await owner.publishAsync('sess/ping', 'x', { qos: 1 })
  // A network drop, not a DISCONNECT: A arms the will for 2 s from now.
  const closed = nextEvent(owner, 'close')
  ;(owner as unknown as { stream: { destroy: () => void } }).stream.destroy()
  await closed
  const back = await connectMqtt(url(1), opts)
  t.after(() => back.end(true))
  await delay(3_000)
  assert.deepEqual(seen.messages.map((m) => m.payload), [], 'no will: the client came back within the delay')
  const probe = new Redis(redis.port, '127.0.0.1')
  t.after(() => probe.disconnect())
  assert.equal(await probe.exists(`siar:will:${cluster.nodes[0]!.nodeId}:sess-dwill`), 0, 'A no longer holds a will for it (no sweep can send it later)')
})

test('MQTT 5 takeover across nodes: the expiry A arms when it closes the old connection does not wipe the session on B', async (t) => {
  const opts = { clientId: 'sess-exp-live', protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 2 } }
  const old = await connectMqtt(url(0), opts)
  t.after(() => old.end(true))
  await old.subscribeAsync('sess/exp-live', { qos: 1 })
  const taken = nextEvent(old, 'disconnect')
  const fresh = await connectMqtt(url(1), opts)
  await taken
  // A's 2 s expiry timer, armed when it closed the old connection, would fire in this window.
  await delay(3_000)
  await fresh.endAsync()

  const pub = await connectMqtt(url(2))
  t.after(() => pub.end(true))
  await pub.publishAsync('sess/exp-live', 'kept', { qos: 1 })
  const { client, connack, got } = await resume(url(1), opts)
  t.after(() => client.end(true))
  assert.equal(connack.sessionPresent, true, 'the session survived A\'s expiry timer')
  const [m] = await got.waitForCount(1)
  assert.equal(m?.payload, 'kept')
})
