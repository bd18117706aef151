import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, startRedis, withTimeout } from '@siar/testing'

test('a cluster node with subscribed clients shuts down within seconds while Redis is down', async (t) => {
  const redis = await startRedis()
  const node = await startTestBroker({ nodeId: 'lonely', cluster: { redis: redis.url } })
  const client = await connectMqtt(node.mqttUrl, { protocolVersion: 5, clientId: 'sub', clean: false, properties: { sessionExpiryInterval: 60 } })
  t.after(() => client.end(true))
  await client.subscribeAsync('x/#', { qos: 1 })
  await client.subscribeAsync('$share/g/y', { qos: 1 })
  await redis.stop()
  const started = Date.now()
  await withTimeout(node.close(), 'close() with Redis down', 10_000)
  assert.ok(Date.now() - started < 5_000, `closed in ${Date.now() - started} ms`)
})
