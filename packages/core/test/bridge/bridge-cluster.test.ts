import { test } from 'node:test'
import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'
import { connectMqtt, MessageCollector, waitFor, type ClusterNodeProcess } from '@siar/testing'
import { assertAllArrived, owners, publishLoop, startBridgeCluster, waitForOwner } from './cluster-fixture.js'

// Short lease so the test stays short: takeover within leaseTtlMs + leaseTtlMs/3.
const LEASE_TTL_MS = 1_500

test('3-node cluster: one node runs the bridge; after SIGKILL of it another takes over and no acked QoS 1 message is lost', { timeout: 60_000 }, async (t) => {
  const { cluster, remote, atRemote, bridgeConnects } = await startBridgeCluster(t, LEASE_TTL_MS)
  const first = await waitForOwner(cluster.nodes, 'one node to run the bridge')
  assert.equal((await owners(cluster.nodes)).length, 1, 'exactly one owner')
  const survivors = cluster.nodes.filter((n) => n !== first)

  // QoS 1 publishers on the owner (dies with it) and on a standby (survives).
  const pubOwner = await connectMqtt(first.mqttUrl, { clientId: 'pub-owner' })
  pubOwner.on('error', () => {})
  const pubStandby = await connectMqtt((survivors[0] as ClusterNodeProcess).mqttUrl, { clientId: 'pub-standby' })
  t.after(() => pubStandby.endAsync())
  const acked = { a: [] as string[], b: [] as string[] }
  let running = true
  const loops = [publishLoop(pubOwner, 'a', acked.a, () => running), publishLoop(pubStandby, 'b', acked.b, () => running)]
  await waitFor(() => acked.a.length >= 100 && acked.b.length >= 100, 'messages flowing through both nodes')

  // Watch for two owners at once among the nodes alive, all the way through.
  let maxOwners = 0
  let watching = true
  const watcher = (async () => {
    while (watching) {
      maxOwners = Math.max(maxOwners, (await owners(survivors)).length)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()

  const killedAt = performance.now()
  await first.kill()
  const next = await waitForOwner(survivors, 'a survivor to take the bridge over')
  const takeoverMs = Math.round(performance.now() - killedAt)
  t.diagnostic(`takeover after SIGKILL: ${takeoverMs} ms (lease ${LEASE_TTL_MS} ms; bound ${LEASE_TTL_MS + LEASE_TTL_MS / 3} ms + reconnect)`)
  assert.ok(takeoverMs < LEASE_TTL_MS + LEASE_TTL_MS / 3 + 1_500, `takeover took ${takeoverMs} ms`)

  const afterTakeover = acked.b.length
  await waitFor(() => acked.b.length >= afterTakeover + 100, 'messages flowing after the takeover')
  running = false
  await Promise.all(loops)
  watching = false
  await watcher
  pubOwner.end(true)

  const { duplicates } = await assertAllArrived(atRemote, acked)
  assert.equal(maxOwners, 1, 'never two owners among the survivors')
  assert.equal(bridgeConnects.length, 2, 'the remote saw the bridge connect once per owner')
  t.diagnostic(`acked: ${acked.a.length + acked.b.length} (owner ${acked.a.length}, standby ${acked.b.length}); duplicates at the remote: ${duplicates}`)

  // Inbound runs on the new owner too.
  const localSub = await connectMqtt((survivors.find((n) => n !== next) ?? next).mqttUrl)
  t.after(() => localSub.endAsync())
  const atLocal = new MessageCollector(localSub)
  await localSub.subscribeAsync('down/#', { qos: 1 })
  const remotePub = await connectMqtt(remote.mqttUrl)
  t.after(() => remotePub.endAsync())
  await remotePub.publishAsync('cloud/down/lamp', 'on', { qos: 1 })
  assert.equal((await atLocal.waitForTopic('down/lamp')).payload, 'on')
})
