import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { Packr } from 'msgpackr'
import { startRedis, startBrokerCluster, connectMqtt, waitFor } from '@siar/testing'

// The will sweep must reach every will of a dead node wherever it sits in the
// store's will list. The store's streamWill() reads only the first 10,001
// entries (and GETs every one of them, live nodes' included, every period):
// behind 10,000 wills of live clients, a dead node's wills were never published.

const LIVE_WILLS = 10_000
const DEAD_WILLS = 50
const packr = new Packr({ useRecords: false })

function addWill (pipeline: ReturnType<Redis['pipeline']>, node: string, i: number): void {
  const clientId = `${node}-${i}`
  // As aedes-persistence-redis stores it: a key per will, its name in the `will` list.
  pipeline.set(`siar:will:${node}:${clientId}`, packr.pack({ cmd: 'publish', topic: `bulk/${node}/${i}`, payload: Buffer.from(String(i)), qos: 0, retain: false, clientId, brokerId: node }))
  pipeline.rpush('siar:will', `will:${node}:${clientId}`)
}

test(`a dead node's wills behind ${LIVE_WILLS} wills of a live node are published, each once; the live node's are left alone`, async (t) => {
  const redis = await startRedis()
  const probe = new Redis(redis.port, '127.0.0.1')
  const write = probe.pipeline()
  write.set('siar:node:live-node', 'test', 'PX', 120_000)
  for (let i = 0; i < LIVE_WILLS; i++) addWill(write, 'live-node', i)
  for (let i = 0; i < DEAD_WILLS; i++) addWill(write, 'gone-node', i)
  await write.exec()
  const cluster = await startBrokerCluster({ nodes: 1, redisUrl: redis.url, idPrefix: 'bulk', args: ['--node-timeout-ms', '2000'] })
  t.after(async () => {
    probe.disconnect()
    await cluster.stop()
    await redis.stop()
  })
  const sub = await connectMqtt(cluster.nodes[0]!.mqttUrl)
  t.after(() => sub.end(true))
  const seen = new Map<string, number>()
  sub.on('message', (topic) => seen.set(topic, (seen.get(topic) ?? 0) + 1))
  await sub.subscribeAsync('bulk/#', { qos: 0 })

  // The node sweeps once it has seen Redis for nodeTimeoutMs + 2 s.
  await waitFor(() => seen.size >= DEAD_WILLS, () => `${DEAD_WILLS} wills of the dead node, have ${seen.size}`, 20_000, 100)
  assert.equal(await probe.llen('siar:will'), LIVE_WILLS, 'only the dead node\'s wills left the list')
  assert.deepEqual([...seen.keys()].filter((topic) => !topic.startsWith('bulk/gone-node/')), [], 'no will of the live node')
  assert.equal([...seen.values()].filter((n) => n > 1).length, 0, 'each will once')
})
