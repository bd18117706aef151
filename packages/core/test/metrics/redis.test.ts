import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { startRedis, startTestBroker, waitFor } from '@siar/testing'
import { scrape, value } from './scrape.js'

test('an instrumented Redis client: connected 1 → 0 when redis-server stops, reconnects counted, latency observed', async (t) => {
  const redis = await startRedis()
  t.after(() => redis.stop())
  const b = await startTestBroker({ sys: { intervalSeconds: 0 } })
  t.after(() => b.close())
  const before = await scrape(b.httpUrl)
  assert.equal(before.has('siar_redis_connected{role="persistence"}'), false, 'no Redis series until Redis is configured')

  const client = new Redis(redis.port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => 100, maxRetriesPerRequest: 0 })
  t.after(() => client.disconnect())
  client.on('error', () => {}) // reconnect noise while the server is down
  b.broker.metrics.instrumentRedisClient(client, 'persistence')
  await client.connect()
  for (let i = 0; i < 5; i++) await client.set(`k${i}`, 'v')

  const up = await scrape(b.httpUrl)
  assert.equal(value(up, 'siar_redis_connected{role="persistence"}'), 1)
  assert.equal(value(up, 'siar_redis_command_duration_seconds_count{role="persistence"}') >= 5, true)
  assert.equal(value(up, 'siar_redis_reconnects_total{role="persistence"}'), 0)

  await redis.stop()
  await waitFor(async () => {
    const s = await scrape(b.httpUrl)
    return value(s, 'siar_redis_connected{role="persistence"}') === 0 && value(s, 'siar_redis_reconnects_total{role="persistence"}') >= 1
  }, 'Redis reported down and reconnecting')
})
