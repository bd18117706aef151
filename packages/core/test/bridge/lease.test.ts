import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { startRedis, nextEvent, waitFor } from '@siar/testing'
import { silentLogger } from '@siar/core'
import { createRedisLease } from '../../src/bridge/lease.js'
import { createRedisBuffer } from '../../src/bridge/outbound-buffer.js'

const keys = { lease: 'bridge:t:lease', fence: 'bridge:t:fence', queue: 'bridge:t:queue' }

test('Redis lease: one holder, fenced removal, takeover after expiry, validity ends at the deadline without renewal', async (t) => {
  const redis = await startRedis()
  t.after(() => redis.stop())
  const conn = (): Redis => {
    const c = new Redis(redis.port, '127.0.0.1', { keyPrefix: 'siar:', enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false })
    t.after(() => c.disconnect())
    return c
  }
  const dbA = conn()
  const dbB = conn()
  await waitFor(() => dbA.status === 'ready' && dbB.status === 'ready', 'redis connections')
  const ttlMs = 1_200
  const a = createRedisLease({ db: dbA, keys, nodeId: 'A', ttlMs, log: silentLogger })
  t.after(() => a.stop())
  await nextEvent(a.events, 'change')
  assert.equal(a.valid(), true)
  assert.match(a.fence, /^A#\d+$/)
  const b = createRedisLease({ db: dbB, keys, nodeId: 'B', ttlMs, log: silentLogger })
  t.after(() => b.stop())

  const bufA = createRedisBuffer(dbA, keys, 100)
  const bufB = createRedisBuffer(dbB, keys, 100)
  for (let i = 0; i < 3; i++) await bufB.push({ topic: `t/${i}`, payload: Buffer.from(String(i)), qos: 1, retain: false })
  assert.deepEqual((await bufA.peek(10)).map((m) => m.topic), ['t/0', 't/1', 't/2'], 'any node appends, the holder reads')
  assert.equal(await bufB.remove(1, 'B#999'), false, 'a node without the lease cannot remove')
  assert.equal(await bufA.remove(1, a.fence), true)
  assert.equal(await bufA.length(), 2)
  // Renewals keep it: B stays out across several TTLs.
  await new Promise((resolve) => setTimeout(resolve, ttlMs * 2))
  assert.equal(b.valid(), false)
  assert.equal(a.valid(), true)

  // A cut off from Redis (as if paused): its renewals fail; at its deadline it
  // must stop on its own, and B takes over once the key expires.
  const oldFence = a.fence
  const lost = nextEvent<[boolean]>(a.events, 'change', ttlMs * 2)
  const cutAt = Date.now()
  dbA.disconnect()
  assert.deepEqual(await lost, [false])
  assert.ok(Date.now() - cutAt <= ttlMs + 300, 'no longer than the TTL after the last renewal (plus timer slack)')
  assert.equal(a.valid(), false)
  await waitFor(() => b.valid(), 'B to take the lease over', ttlMs * 3)
  assert.notEqual(b.fence.split('#')[1], oldFence.split('#')[1], 'a new fencing token')
  assert.equal(await bufB.remove(1, oldFence), false, 'the old holder\'s token removes nothing')
  assert.equal(await bufB.length(), 2)
  assert.equal(await bufB.remove(1, b.fence), true)
})
