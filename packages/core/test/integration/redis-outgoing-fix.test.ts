import { test } from 'node:test'
import assert from 'node:assert/strict'
import AsyncRedisPersistence from 'aedes-persistence-redis/asyncPersistence.js'
import { Redis } from 'ioredis'
import { startRedis, startTestBroker, connectMqtt, waitFor } from '@siar/testing'
import { fixQos2OutgoingLeak } from '../../src/backplane/redis-outgoing-fix.js'

// backplane/redis-outgoing-fix.ts: a QoS 2 delivery to a connected persistent
// session must not leave its PUBREL entry behind in the session's queue list.

const SESSION = { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 300 } }

async function deliverQos2 (mqttUrl: string, clientId: string, n: number): Promise<void> {
  const sub = await connectMqtt(mqttUrl, { ...SESSION, clientId })
  let received = 0
  sub.on('message', () => { received++ })
  await sub.subscribeAsync('leak/t', { qos: 2 })
  const pub = await connectMqtt(mqttUrl)
  for (let i = 0; i < n; i++) await pub.publishAsync('leak/t', `m${i}`, { qos: 2 })
  await waitFor(() => received === n, () => `${n} QoS 2 deliveries, have ${received}`)
  // A QoS 1 round trip on the subscriber's connection: its PUBCOMPs were sent before this PUBACK.
  await sub.publishAsync('leak/flush', 'x', { qos: 1 })
  await pub.endAsync()
  await sub.endAsync()
}

/** Clean-ups run last-in first-out, so Redis stops after everything that talks to it. */
function stack (t: any): (fn: () => unknown) => void {
  const fns: Array<() => unknown> = []
  t.after(async () => { for (const fn of fns.reverse()) await fn() })
  return (fn) => { fns.push(fn) }
}

/** The store's calls for one QoS 2 delivery: enqueue, send (PUBLISH), PUBREC, PUBCOMP. */
async function oneQos2Delivery (persistence: any, clientId: string): Promise<void> {
  const packet = { cmd: 'publish', topic: 'leak/t', payload: Buffer.from('x'), qos: 2, retain: false, dup: false, brokerId: 'b1', brokerCounter: 7 }
  await persistence.outgoingEnqueueCombi([{ clientId, topic: 'leak/t', qos: 2 }], packet)
  await persistence.outgoingUpdate({ id: clientId }, { ...packet, messageId: 42 })
  await persistence.outgoingUpdate({ id: clientId }, { cmd: 'pubrel', messageId: 42 })
  await persistence.outgoingClearMessageId({ id: clientId }, { cmd: 'pubcomp', messageId: 42 })
}

test('upstream still leaks: aedes-persistence-redis 12 keeps the PUBREL entry of a completed QoS 2 delivery; the fix removes it', async (t) => {
  const defer = stack(t)
  const redis = await startRedis()
  defer(() => redis.stop())
  const conn = new Redis(redis.port, '127.0.0.1')
  defer(() => conn.quit())

  await oneQos2Delivery(new AsyncRedisPersistence({ conn }), 'plain')
  assert.deepEqual(await conn.lrange('outgoing:plain', 0, -1), ['outgoing:plain:b1:7'],
    'the upstream leak is gone: remove backplane/redis-outgoing-fix.ts')

  const fixed = new AsyncRedisPersistence({ conn })
  fixQos2OutgoingLeak(fixed, conn)
  await oneQos2Delivery(fixed, 'fixed/é')
  assert.deepEqual(await conn.lrange(`outgoing:${encodeURIComponent('fixed/é')}`, 0, -1), [])
})

test('siar cluster mode: completed QoS 2 deliveries leave nothing in the session queue', async (t) => {
  const defer = stack(t)
  const redis = await startRedis()
  defer(() => redis.stop())
  const b = await startTestBroker({ nodeId: 'leak-1', cluster: { redis: redis.url } })
  defer(() => b.close())
  await deliverQos2(b.mqttUrl, 'siar-q2', 5)
  const probe = new Redis(redis.port, '127.0.0.1')
  defer(() => probe.quit())
  assert.deepEqual(await probe.lrange('siar:outgoing:siar-q2', 0, -1), [])
  // The session still works: a message while offline is queued and is the only entry.
  const pub = await connectMqtt(b.mqttUrl)
  defer(() => pub.end(true))
  await pub.publishAsync('leak/t', 'offline', { qos: 2 })
  assert.equal(await probe.llen('siar:outgoing:siar-q2'), 1)
})
