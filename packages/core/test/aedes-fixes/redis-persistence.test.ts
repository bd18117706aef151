import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { Aedes } from 'aedes'
import AsyncRedisPersistence from 'aedes-persistence-redis/asyncPersistence.js'
import { Redis } from 'ioredis'
import { startRedis, connectMqtt, nextEvent, waitFor, type RedisServer } from '@siar/testing'
import { installAedesFixes } from '../../src/aedes-fixes/index.js'
import { silentLogger } from '../../src/logger.js'
import { connectTapped, holdAcks } from '../mqtt5/wire-tap.js'

// The session fixes reach into aedes' persistence calls; siar's cluster mode stores sessions
// in Redis (aedes-persistence-redis 12.0.0). The same scenarios, on that store.

interface Fixed { port: number, url: string, aedes: Aedes, close: () => Promise<void> }

async function startFixedAedesOnRedis (redis: RedisServer): Promise<Fixed> {
  const persistence = new AsyncRedisPersistence({ port: redis.port, host: '127.0.0.1' })
  const aedes = await Aedes.createBroker({ persistence })
  installAedesFixes(aedes, { logger: silentLogger })
  const server = net.createServer((socket) => { aedes.handle(socket) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    aedes,
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await persistence.destroy()
    }
  }
}

async function setup (t: any): Promise<Fixed> {
  const redis = await startRedis()
  const broker = await startFixedAedesOnRedis(redis)
  // node:test runs after-hooks in the order they were added: the broker lets go of Redis first.
  t.after(() => broker.close())
  t.after(() => redis.stop())
  return broker
}

const isQoSPublish = (p: any): boolean => p.cmd === 'publish' && p.qos > 0

test('upstream still broken: aedes-persistence-redis 12 returns retained messages as an async generator aedes cannot pipe', async (t) => {
  const redis = await startRedis()
  const conn = new Redis(redis.port, '127.0.0.1')
  const persistence = new AsyncRedisPersistence({ conn })
  t.after(() => conn.quit())
  t.after(() => redis.stop())
  const result = persistence.createRetainedStreamCombi(['#'])
  assert.notEqual(typeof result.pipe, 'function',
    'the redis store returns a Readable now: remove aedes-fixes/retained-stream.ts')
})

test('redis store: retained messages are sent on SUBSCRIBE', async (t) => {
  const b = await setup(t)
  const pub = await connectMqtt(b.url, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  await pub.publishAsync('rret/a', 'kept', { qos: 1, retain: true })
  const { client, tap } = await connectTapped(b.port, { protocolVersion: 5 })
  t.after(() => client.end(true))
  await client.subscribeAsync('rret/#', { qos: 1 })
  const p = await tap.waitFor((p: any) => p.cmd === 'publish', 'retained message')
  assert.deepEqual([p.topic, p.payload.toString(), p.retain], ['rret/a', 'kept', true])
})

test('redis store: resume with Clean Start 0 and no expiry delivers the queue, within Receive Maximum', async (t) => {
  const b = await setup(t)
  const first = await connectMqtt(b.url, { protocolVersion: 5, clientId: 'r-resume', properties: { sessionExpiryInterval: 60 } })
  await first.subscribeAsync('rr/t', { qos: 1 })
  await first.endAsync()
  const pub = await connectMqtt(b.url, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  let routed = 0
  b.aedes.on('publish', (packet) => { if (packet.topic === 'rr/t') routed++ })
  for (let i = 0; i < 4; i++) await pub.publishAsync('rr/t', `o${i}`, { qos: 1 })
  // aedes acks QoS 1 before routing: wait until all four are queued, or the last one
  // may reach the resumed session live as well as from the queue.
  await waitFor(() => routed === 4, 'the four messages routed into the queue')

  const ready = nextEvent(b.aedes as any, 'clientReady')
  let acks!: ReturnType<typeof holdAcks>
  const { client, tap } = await connectTapped(b.port, { protocolVersion: 5, clientId: 'r-resume', clean: false, properties: { receiveMaximum: 2 } }, (c) => { acks = holdAcks(c) })
  t.after(() => client.end(true))
  await ready
  await pub.publishAsync('rr/t', 'sentinel', { qos: 0 })
  await tap.waitFor((p: any) => p.payload?.toString() === 'sentinel', 'sentinel')
  assert.equal(tap.publishes().filter(isQoSPublish).length, 2)
  acks.releaseAll()
  const all = await tap.waitForCount(isQoSPublish, 4, 'queued PUBLISH')
  assert.deepEqual(all.map((p: any) => p.payload.toString()), ['o0', 'o1', 'o2', 'o3'])
})

test('redis store: a message queued for overlapping subscriptions comes once, with both identifiers, and its QoS 2 exchange completes', async (t) => {
  const b = await setup(t)
  const session = { protocolVersion: 5 as const, clientId: 'r-ov', properties: { sessionExpiryInterval: 60 } }
  const first = await connectMqtt(b.url, session)
  await first.subscribeAsync('rov/+', { qos: 2, properties: { subscriptionIdentifier: 1 } })
  await first.subscribeAsync('rov/#', { qos: 1, properties: { subscriptionIdentifier: 2 } })
  await first.subscribeAsync('rsentinel', { qos: 1 })
  await first.endAsync()
  const pub = await connectMqtt(b.url, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  await pub.publishAsync('rov/a', 'queued', { qos: 2 })
  await pub.publishAsync('rsentinel', 's', { qos: 1 })
  const { client, tap } = await connectTapped(b.port, { ...session, clean: false })
  t.after(() => client.end(true))
  await tap.waitFor((p: any) => p.topic === 'rsentinel', 'queued sentinel')
  const got = tap.publishes().filter((p: any) => p.topic === 'rov/a')
  assert.deepEqual(got.map((p: any) => [p.qos, [].concat(p.properties?.subscriptionIdentifier).sort()]), [[2, [1, 2]]])
  await tap.waitFor((p: any) => p.cmd === 'pubrel' && p.messageId === got[0].messageId, 'PUBREL')
  assert.equal(client.connected, true)
})

test('redis store: a QoS 1 message too large for the client is dropped and not resent on resume', async (t) => {
  const b = await setup(t)
  const session = { protocolVersion: 5 as const, clientId: 'r-mps', properties: { sessionExpiryInterval: 60, maximumPacketSize: 200 } }
  const { client: sub, tap } = await connectTapped(b.port, session)
  await sub.subscribeAsync('rmps/t', { qos: 1 })
  const pub = await connectMqtt(b.url, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  await pub.publishAsync('rmps/t', 'z'.repeat(500), { qos: 1 })
  await pub.publishAsync('rmps/t', 'fits', { qos: 1 })
  await tap.waitFor((p: any) => p.payload?.toString() === 'fits', 'the small message')
  await sub.endAsync()
  await pub.publishAsync('rmps/t', 'queued', { qos: 1 })
  const { client: again, tap: tap2 } = await connectTapped(b.port, { ...session, clean: false })
  t.after(() => again.end(true))
  await tap2.waitFor((p: any) => p.payload?.toString() === 'queued', 'the queued message')
  assert.deepEqual(tap2.publishes().map((p: any) => p.payload.toString()), ['queued'])
})
