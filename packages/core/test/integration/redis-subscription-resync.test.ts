import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import mqtt, { type IConnackPacket } from 'mqtt'
import { startRedis, startBrokerCluster, connectMqtt, MessageCollector, nextEvent, waitFor, type ClusterNodeProcess } from '@siar/testing'

// Every node keeps an index of persistent subscriptions, updated over Redis
// pub/sub. A node whose subscriber connection to Redis dropped misses what was
// subscribed meanwhile; backplane/subscription-resync.ts re-reads the index
// when the connection is back. Without it, a publish through that node would
// not be queued for the session and would be lost.

async function subConnectionId (probe: Redis, nodeId: string): Promise<string | undefined> {
  const list = await probe.client('LIST') as string
  const line = list.split('\n').find((l) => l.includes(` name=siar-${nodeId}-sub `))
  return line ? /(?:^|\s)id=(\d+)/.exec(line)?.[1] : undefined
}

test('a node whose Redis bus connection dropped re-reads the subscription index: a subscription made meanwhile still gets its offline queue', async (t) => {
  const redis = await startRedis()
  const cluster = await startBrokerCluster({ nodes: 2, redisUrl: redis.url, idPrefix: 'resync', env: { SIAR_LOG_LEVEL: 'info' } })
  const probe = new Redis(redis.port, '127.0.0.1')
  t.after(async () => {
    probe.disconnect()
    await cluster.stop()
    await redis.stop()
  })
  const [a, b] = cluster.nodes as [ClusterNodeProcess, ClusterNodeProcess]
  const session = { clientId: 'resync-sub', protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 300 } }
  const sub = await connectMqtt(a.mqttUrl, session)

  // Drop node B's subscriber connection (ioredis reconnects after 200 ms) and subscribe on A meanwhile.
  const id = await subConnectionId(probe, b.nodeId)
  assert.ok(id, 'node B\'s bus connection is named in CLIENT LIST')
  await probe.client('KILL', 'ID', id)
  await sub.subscribeAsync('resync/t', { qos: 1 })
  assert.equal(await subConnectionId(probe, b.nodeId), undefined, 'the subscription was made while B\'s bus connection was down')
  await waitFor(() => b.process.output().includes('subscription index re-read'), 'node B to re-read the index after reconnecting')
  await sub.endAsync()

  const pub = await connectMqtt(b.mqttUrl)
  t.after(() => pub.end(true))
  await pub.publishAsync('resync/t', 'queued through B', { qos: 1 })

  const again = mqtt.connect(a.mqttUrl, { ...session, reconnectPeriod: 0 })
  t.after(() => again.end(true))
  const got = new MessageCollector(again)
  const [connack] = await nextEvent<[IConnackPacket]>(again, 'connect')
  assert.equal(connack.sessionPresent, true)
  const [m] = await got.waitForCount(1, 5_000)
  assert.equal(m?.payload, 'queued through B')
})
