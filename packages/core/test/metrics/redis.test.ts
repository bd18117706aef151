import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import mqemitterRedis from 'mqemitter-redis'
import { connectMqtt, MessageCollector, startRedis, startTestBroker, waitFor } from '@siar/testing'
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

test('cluster mode: the broker reports its three Redis connections and counts through the Redis bus', async (t) => {
  const redis = await startRedis()
  const b = await startTestBroker({ sys: { intervalSeconds: 0 }, cluster: { redis: redis.url } }).catch(async (err) => {
    await redis.stop()
    throw err
  })
  const sub = await connectMqtt(b.mqttUrl)
  const pub = await connectMqtt(b.mqttUrl)
  // Clients, then the broker, then Redis: a cluster broker cannot finish
  // closing its clients' subscriptions while Redis is gone.
  t.after(async () => {
    await Promise.all([sub, pub].map((c) => c.endAsync()))
    await b.close()
    await redis.stop()
  })
  await sub.subscribeAsync('c/#', { qos: 1 })
  const got = new MessageCollector(sub)
  const before = await scrape(b.httpUrl)
  for (let i = 0; i < 10; i++) await pub.publishAsync('c/x', `m${i}`, { qos: 1 })
  await pub.publishAsync('nobody/here', 'x', { qos: 0, retain: true })
  await got.waitForCount(10)

  const s = await waitFor(async () => {
    const x = await scrape(b.httpUrl)
    return value(x, 'siar_retained_messages') === 1 && value(x, 'siar_inflight_messages') === 0 ? x : undefined
  }, 'the retained message in Redis and every delivery acknowledged')
  for (const role of ['persistence', 'pubsub_publish', 'pubsub_subscribe']) {
    assert.equal(value(s, `siar_redis_connected{role="${role}"}`), 1, role)
    assert.ok(value(s, `siar_redis_command_duration_seconds_count{role="${role}"}`) >= 1, role)
  }
  assert.equal(value(s, 'siar_publish_received_total{qos="1"}') - value(before, 'siar_publish_received_total{qos="1"}'), 10)
  assert.equal(value(s, 'siar_publish_delivered_total{qos="1"}') - value(before, 'siar_publish_delivered_total{qos="1"}'), 10)
  // Other nodes may have subscribers: a node of a cluster does not count no_subscribers.
  assert.equal(value(s, 'siar_messages_dropped_total{reason="no_subscribers"}'), 0)
})
