import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import mqemitterRedis from 'mqemitter-redis'
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

test('an instrumented mqemitter-redis bus: messages out and in, both connections reported', async (t) => {
  const redis = await startRedis()
  t.after(() => redis.stop())
  const b = await startTestBroker({ sys: { intervalSeconds: 0 } })
  t.after(() => b.close())
  // The connections are public fields of mqemitter-redis that its typings leave out.
  const mq = mqemitterRedis({ port: redis.port, host: '127.0.0.1' }) as ReturnType<typeof mqemitterRedis> & { subConn: Redis, pubConn: Redis }
  // disconnect(), not close(): close() waits for a QUIT reply the stopped redis-server may never send.
  t.after(() => { mq.subConn.disconnect(); mq.pubConn.disconnect() })
  b.broker.metrics.instrumentRedisMq(mq)

  const got: string[] = []
  await new Promise<void>((resolve) => mq.on('bus/x', (msg: any, cb: () => void) => { got.push(String(msg.payload)); cb() }, resolve))
  for (let i = 0; i < 3; i++) mq.emit({ topic: 'bus/x', payload: `m${i}` })
  await waitFor(() => got.length === 3, '3 messages back from Redis')

  const s = await scrape(b.httpUrl)
  assert.equal(value(s, 'siar_backplane_messages_total{direction="out"}'), 3)
  assert.equal(value(s, 'siar_backplane_messages_total{direction="in"}'), 3)
  assert.equal(value(s, 'siar_redis_connected{role="pubsub_publish"}'), 1)
  assert.equal(value(s, 'siar_redis_connected{role="pubsub_subscribe"}'), 1)
})
