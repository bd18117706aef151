import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connectMqtt, waitFor, type ClusterNodeProcess } from '@siar/testing'
import { assertAllArrived, bridgeView, publishLoop, startBridgeCluster, waitForOwner } from './cluster-fixture.js'

const LEASE_TTL_MS = 1_500

test('a paused owner (SIGSTOP) loses the bridge; resumed (SIGCONT) it stands down and removes nothing it should not', { timeout: 60_000 }, async (t) => {
  const { cluster, remote, atRemote, bridgeConnects } = await startBridgeCluster(t, LEASE_TTL_MS, 2)
  // The remote can hold back its PUBACKs to the bridge (aedes acks a QoS 1
  // PUBLISH once authorizePublish answers), to pause the owner mid-window.
  const aedes = remote.broker.aedes as any
  const authorize = aedes.authorizePublish
  let hold = false
  const held: Array<() => void> = []
  aedes.authorizePublish = (client: any, packet: any, done: any) => {
    if (hold && client?.id === 'site-bridge') held.push(() => authorize.call(aedes, client, packet, done))
    else authorize.call(aedes, client, packet, done)
  }
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

  // Pause the owner while a window of its messages waits for PUBACKs, then let
  // the PUBACKs go: they wait in the paused process's socket. Resumed, it reads
  // them and tries to remove that window from the shared buffer, long after
  // the new owner took over: the fencing token must refuse it.
  hold = true
  await waitFor(() => held.length > 0, 'the owner to have messages waiting for PUBACK')
  process.kill(paused.process.pid, 'SIGSTOP')
  hold = false
  for (const release of held.splice(0)) release()
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
