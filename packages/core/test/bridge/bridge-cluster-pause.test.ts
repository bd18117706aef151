import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connectMqtt, waitFor, type ClusterNodeProcess } from '@siar/testing'
import { assertAllArrived, bridgeView, publishLoop, startBridgeCluster, waitForOwner } from './cluster-fixture.js'

const LEASE_TTL_MS = 1_500

test('a paused owner (SIGSTOP) loses the bridge; resumed (SIGCONT) it stands down and removes nothing it should not', { timeout: 60_000 }, async (t) => {
  const { cluster, atRemote, bridgeConnects } = await startBridgeCluster(t, LEASE_TTL_MS, 2)
  const paused = await waitForOwner(cluster.nodes, 'one node to run the bridge')
  const other = cluster.nodes.find((n) => n !== paused) as ClusterNodeProcess
  t.after(() => { try { process.kill(paused.process.pid, 'SIGCONT') } catch { /* gone */ } })

  // The publisher is on the other node: its messages go through the Redis buffer.
  const pub = await connectMqtt(other.mqttUrl, { clientId: 'pub' })
  t.after(() => pub.endAsync())
  const acked: string[] = []
  let running = true
  const loop = publishLoop(pub, 'p', acked, () => running)
  await waitFor(() => acked.length >= 100, 'messages flowing')

  process.kill(paused.process.pid, 'SIGSTOP')
  await waitForOwner([other], 'the other node to take the bridge over while the owner is paused')
  const before = acked.length
  await waitFor(() => acked.length >= before + 200, 'messages flowing through the new owner')

  // Resumed, the old owner finds its lease deadline passed: it stops and
  // (fenced in Redis) cannot remove what the new owner has not sent.
  process.kill(paused.process.pid, 'SIGCONT')
  await waitFor(async () => (await bridgeView(paused)).role === 'standby', 'the resumed node to stand down')
  const resumed = acked.length
  await waitFor(() => acked.length >= resumed + 200, 'messages flowing after the resume')
  running = false
  await loop

  const { duplicates } = await assertAllArrived(atRemote, { p: acked })
  const views = await Promise.all(cluster.nodes.map(bridgeView))
  assert.deepEqual(views.map((v) => v.role).sort(), ['owner', 'standby'])
  assert.equal(views.find((v) => v.node === other)?.role, 'owner', 'the lease stays with the new owner')
  assert.equal(bridgeConnects.length, 2, 'the resumed node did not connect again')
  t.diagnostic(`acked ${acked.length}, duplicates at the remote ${duplicates}`)
})
