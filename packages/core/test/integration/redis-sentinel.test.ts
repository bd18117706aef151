import { test } from 'node:test'
import assert from 'node:assert/strict'
import mqtt, { type MqttClient } from 'mqtt'
import { startRedisSentinelSet, startBrokerCluster, waitFor, nextEvent, type ClusterNodeProcess } from '@siar/testing'

// Redis Sentinel: real primary + replica + 3 redis-sentinel processes. The
// primary is SIGKILLed mid-traffic; the brokers keep running, follow the
// sentinels to the promoted replica, and QoS 1 traffic flows again with no
// acknowledged message lost.

const PUBLISH_EVERY_MS = 10

function reconnecting (node: ClusterNodeProcess, clientId: string, persistent: boolean): MqttClient {
  return mqtt.connect(node.mqttUrl, {
    protocolVersion: 5,
    clientId,
    clean: !persistent,
    ...(persistent ? { properties: { sessionExpiryInterval: 600 } } : {}),
    reconnectPeriod: 200
  })
}

test('Sentinel failover mid-traffic: brokers survive, traffic resumes on the new primary, nothing acknowledged is lost', async (t) => {
  const redis = await startRedisSentinelSet({ masterName: 'siar', downAfterMs: 1_000, failoverTimeoutMs: 3_000 })
  const cluster = await startBrokerCluster({
    nodes: 2,
    idPrefix: 'sentinel',
    args: ['--redis-sentinels', redis.sentinels.join(','), '--redis-sentinel-name', 'siar'],
    env: { SIAR_LOG_LEVEL: 'info' }
  })
  const clients: MqttClient[] = []
  t.after(async () => {
    clients.forEach((c) => c.end(true))
    await cluster.stop()
    await redis.stop()
  })
  const [a, b] = cluster.nodes as [ClusterNodeProcess, ClusterNodeProcess]

  const sub = reconnecting(b, 'sentinel-sub', true)
  clients.push(sub)
  await nextEvent(sub, 'connect')
  const received = new Set<number>()
  sub.on('message', (_topic, payload) => received.add(Number(payload.toString())))
  await sub.subscribeAsync('sentinel/t', { qos: 1 })

  const pub = reconnecting(a, 'sentinel-pub', false)
  clients.push(pub)
  await nextEvent(pub, 'connect')
  const acked = new Set<number>()
  let sent = 0
  let running = true
  const loop = (async () => {
    while (running) {
      const id = sent++
      try {
        const packet = await pub.publishAsync('sentinel/t', String(id), { qos: 1 })
        if (((packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0) < 0x80) acked.add(id)
      } catch { /* refused or connection lost: not acknowledged, so not owed */ }
      await new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS))
    }
  })()
  await waitFor(() => acked.size >= 100, 'traffic before the failover')

  const oldPrimary = redis.primary.port
  const killedAt = Date.now()
  await redis.primary.stop('SIGKILL')
  await waitFor(async () => (await redis.primaryPort()) === redis.replica.port, 'the sentinels to promote the replica', 20_000, 200)
  const failedOverMs = Date.now() - killedAt
  const ackedAtFailover = acked.size
  await waitFor(() => acked.size >= ackedAtFailover + 100, () => `acknowledged publishes on the new primary (${acked.size - ackedAtFailover})`, 20_000)
  const resumedMs = Date.now() - killedAt
  running = false
  await loop

  // Live delivery rides Redis pub/sub: what was published while B's bus connection was still
  // finding the new primary is not pushed live, but it is in the session's queue. Reconnecting
  // the subscriber (as a client does after any hiccup) delivers it: nothing acknowledged is lost.
  const receivedLive = received.size
  sub.end(true)
  const again = reconnecting(b, 'sentinel-sub', true)
  clients.push(again)
  again.on('message', (_topic, payload) => received.add(Number(payload.toString())))
  await nextEvent(again, 'connect')
  await waitFor(() => [...acked].every((id) => received.has(id)),
    () => `every acknowledged message to arrive, missing ${[...acked].filter((id) => !received.has(id)).slice(0, 10).join(',')}`, 15_000)
  console.log(`sentinel: primary ${oldPrimary} killed; replica promoted after ${failedOverMs} ms, traffic acknowledged again after ${resumedMs} ms; sent ${sent}, acknowledged ${acked.size}, received ${received.size} (${received.size - receivedLive} only from the session queue on reconnect)`)
  for (const node of [a, b]) {
    assert.equal(node.process.child.exitCode, null, `${node.nodeId} still running`)
    const res = await fetch(`${node.httpUrl}/readyz`)
    assert.equal(res.status, 200, `${node.nodeId} ready on the new primary`)
  }
})
