import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { startRedis, startBrokerCluster, connectMqtt, MessageCollector, waitFor, type ClusterNodeProcess } from '@siar/testing'

// A will is a publish like any other: the survivor that publishes the will of
// a crashed node's client applies the same publish check as aedes does for a
// will restored from the store. A will on a topic the ACL forbids must not
// come out just because its node died.

const NODE_TIMEOUT_MS = 2_000

test('SIGKILLed node with an ACL in force: a will on a forbidden topic is not published by the survivor, and is removed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-will-acl-'))
  const acl = join(dir, 'acl')
  // Anonymous clients: read everything under wills/, write only wills/allowed.
  writeFileSync(acl, 'topic read wills/#\ntopic readwrite wills/allowed\n')
  const redis = await startRedis()
  const cluster = await startBrokerCluster({ nodes: 2, redisUrl: redis.url, idPrefix: 'wacl', args: ['--node-timeout-ms', String(NODE_TIMEOUT_MS), '--acl-file', acl] })
  const probe = new Redis(redis.port, '127.0.0.1')
  t.after(async () => {
    probe.disconnect()
    await cluster.stop()
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const [doomed, survivor] = cluster.nodes as [ClusterNodeProcess, ClusterNodeProcess]
  const watcher = await connectMqtt(survivor.mqttUrl)
  t.after(() => watcher.end(true))
  const got = new MessageCollector(watcher)
  await watcher.subscribeAsync('wills/#', { qos: 0 })

  const owner = await connectMqtt(doomed.mqttUrl, { clientId: 'wacl-owner', will: { topic: 'wills/forbidden', payload: Buffer.from('escalated'), qos: 0, retain: false } })
  owner.on('error', () => {})
  t.after(() => owner.end(true))
  // The owner is allowed to publish on wills/allowed: a round trip proves CONNECT (and the stored will) is done.
  await owner.publishAsync('wills/allowed', 'hello', { qos: 1 })
  await waitFor(() => got.messages.length === 1, 'the allowed publish')
  assert.equal(await probe.llen('siar:will'), 1)

  await doomed.kill()
  await waitFor(async () => (await probe.llen('siar:will')) === 0, 'the survivor to sweep the dead node\'s will', 20_000, 100)
  // Delivery to the watcher is local to the survivor: a marker through it comes after any will.
  const marker = await connectMqtt(survivor.mqttUrl)
  t.after(() => marker.end(true))
  await marker.publishAsync('wills/allowed', 'marker', { qos: 1 })
  await waitFor(() => got.messages.some((m) => m.payload === 'marker'), 'marker')
  assert.deepEqual(got.messages.map((m) => m.topic), ['wills/allowed', 'wills/allowed'], 'the forbidden will was not published')
})
