import { test } from 'node:test'
import assert from 'node:assert/strict'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { startRedis, waitFor } from '@siar/testing'
import { createBrokerNode, startHasFlag, type BrokerNode } from './broker-node.js'
import { createRoundRobinProxy } from './tcp-proxy.js'

/**
 * A rolling restart as Kubernetes does it, with processes instead of pods:
 * three broker nodes share one real redis-server behind a round-robin TCP
 * proxy (the Service). QoS 1 publishers and persistent subscribers (MQTT 3.1.1
 * clean=false, MQTT 5 session expiry) run through the proxy while each node in
 * turn leaves the rotation (preStop), gets SIGTERM and is started again with
 * the same node id. Every message the broker acknowledged (PUBACK) must reach
 * every subscriber; QoS 1 allows duplicates.
 */
const NODES = 3
const PUBLISHERS = 2
const PUBLISH_INTERVAL_MS = 10
/** Acknowledged messages to see after each restart before the next one (traffic keeps flowing). */
const ACKS_BETWEEN_RESTARTS = 100
/** Upper bound on messages per publisher, so the test is bounded even if something stalls. */
const MAX_PER_PUBLISHER = 5_000

const hasRedis = await startHasFlag('--redis')

interface Tracked {
  client: MqttClient
  connects: number
  sessionPresentOnReconnect: number
  reconnectsWithoutSession: number
  /** Connection changes in ms since `since`: "+123" connected, "-456" lost. */
  timeline: string[]
}

function connectTracked (url: string, opts: IClientOptions, since: number): Tracked {
  const t: Tracked = { client: mqtt.connect(url, { reconnectPeriod: 100, connectTimeout: 5_000, ...opts }), connects: 0, sessionPresentOnReconnect: 0, reconnectsWithoutSession: 0, timeline: [] }
  t.client.on('close', () => { if (t.client.connected || t.timeline.at(-1)?.startsWith('+')) t.timeline.push(`-${Date.now() - since}`) })
  t.client.on('connect', (connack) => {
    t.timeline.push(`+${Date.now() - since}`)
    t.connects++
    if (t.connects > 1) {
      if (connack.sessionPresent) t.sessionPresentOnReconnect++
      else t.reconnectsWithoutSession++
    }
  })
  t.client.on('error', () => { /* reconnects on its own; counted through connects */ })
  return t
}

test('rolling restart of 3 nodes behind a load balancer: nothing acknowledged is lost', {
  skip: hasRedis ? false : 'siar start has no --redis yet (Redis backplane, issue 3)',
  timeout: 90_000
}, async (t) => {
  const started = Date.now()
  const redis = await startRedis()
  t.after(() => redis.stop())
  const nodes: BrokerNode[] = []
  for (let i = 1; i <= NODES; i++) nodes.push(await createBrokerNode({ id: `node-${i}`, args: ['--redis', redis.url] }))
  t.after(async () => { await Promise.all(nodes.map((n) => n.stop('SIGKILL'))) })
  await Promise.all(nodes.map((n) => n.start()))
  const proxy = await createRoundRobinProxy(nodes.map((n) => n.port))
  t.after(() => proxy.close())
  const url = `mqtt://127.0.0.1:${proxy.port}`

  // Persistent subscribers, one per protocol version.
  const subscribers = [
    { name: 'v3 clean=false', tracked: connectTracked(url, { clientId: 'rr-sub-v3', clean: false, protocolVersion: 4 }, started) },
    { name: 'v5 session expiry', tracked: connectTracked(url, { clientId: 'rr-sub-v5', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 600 } }, started) }
  ].map((s) => ({ ...s, received: new Map<string, number>() }))
  for (const s of subscribers) {
    t.after(() => s.tracked.client.end(true))
    s.tracked.client.on('message', (_topic, payload) => {
      const id = payload.toString()
      s.received.set(id, (s.received.get(id) ?? 0) + 1)
    })
    await waitFor(() => s.tracked.client.connected, `${s.name} to connect`)
    await s.tracked.client.subscribeAsync('rr/#', { qos: 1 })
  }

  // QoS 1 publishers: an id counts as acknowledged when its PUBACK arrives.
  const acked = new Set<string>()
  /** ms since the start at which each id was published, to place a loss on the restart timeline. */
  const publishedAt = new Map<string, number>()
  let published = 0
  let stopPublishing = false
  const publishers = Array.from({ length: PUBLISHERS }, (_v, p) => connectTracked(url, { clientId: `rr-pub-${p}`, clean: true, protocolVersion: p % 2 === 0 ? 4 : 5 }, started))
  const timers = publishers.map((pub, p) => {
    let n = 0
    const timer = setInterval(() => {
      if (stopPublishing || n >= MAX_PER_PUBLISHER) return
      const id = `p${p}-${String(n++).padStart(5, '0')}`
      published++
      publishedAt.set(id, Date.now() - started)
      pub.client.publish(`rr/${p}`, id, { qos: 1 }, (err) => { if (!err) acked.add(id) })
    }, PUBLISH_INTERVAL_MS)
    return timer
  })
  for (const pub of publishers) t.after(() => pub.client.end(true))
  t.after(() => { for (const timer of timers) clearInterval(timer) })
  await waitFor(() => acked.size >= ACKS_BETWEEN_RESTARTS, 'traffic to flow before the first restart', 15_000)

  /** What each node printed before its SIGTERM (its own warnings explain a loss). */
  const stoppedOutput = new Map<string, string>()
  const restarts: Array<{ id: string, exit: number | string, downMs: number, sigtermAt: number, exitedAt: number, readyAt: number }> = []
  for (const [i, node] of nodes.entries()) {
    // preStop: leave the Service first, then SIGTERM; start the same node again.
    proxy.setEnabled(i, false)
    const t0 = Date.now()
    const exit = await node.stop('SIGTERM')
    const exitedAt = Date.now() - started
    stoppedOutput.set(node.id, node.process()?.output() ?? '')
    await node.start()
    proxy.setPort(i, node.port)
    proxy.setEnabled(i, true)
    restarts.push({ id: node.id, exit, downMs: Date.now() - t0, sigtermAt: t0 - started, exitedAt, readyAt: Date.now() - started })
    const before = acked.size
    await waitFor(() => acked.size >= before + ACKS_BETWEEN_RESTARTS, `acknowledged traffic after restarting ${node.id}`, 20_000)
  }

  stopPublishing = true
  const published0 = published
  // Everything published has either been acknowledged or its publisher is still retrying it.
  await waitFor(() => acked.size === published0, 'PUBACKs for every message published', 20_000)
    .catch(() => { /* reported with counts below: only acknowledged messages are promised */ })
  await Promise.all(subscribers.map(async (s) => {
    await waitFor(() => [...acked].every((id) => s.received.has(id)), `${s.name} to receive every acknowledged message`, 15_000)
      .catch(() => { /* reported with counts below */ })
  }))

  const lines = [`rolling restart: ${NODES} nodes, ${Date.now() - started} ms; published ${published0}, acknowledged ${acked.size}, not acknowledged ${published0 - acked.size}`]
  for (const r of restarts) {
    lines.push(`  ${r.id}: exit ${String(r.exit)}, out of rotation for ${r.downMs} ms (SIGTERM at ${r.sigtermAt} ms, exited ${r.exitedAt} ms, ready ${r.readyAt} ms)`)
  }
  lines.push(`  connections routed per node: ${proxy.backends.map((b, i) => `node-${i + 1}=${b.connections}`).join(' ')}`)
  const lost: Record<string, string[]> = {}
  for (const s of subscribers) {
    const duplicates = [...s.received.values()].reduce((sum, c) => sum + c - 1, 0)
    lost[s.name] = [...acked].filter((id) => !s.received.has(id))
    lines.push(`  subscriber ${s.name}: received ${s.received.size} unique, ${duplicates} duplicates, lost ${lost[s.name]!.length}; ` +
      `reconnects ${s.tracked.connects - 1} (session present ${s.tracked.sessionPresentOnReconnect}, without session ${s.tracked.reconnectsWithoutSession})`)
    if (lost[s.name]!.length > 0) {
      const times = lost[s.name]!.map((id) => publishedAt.get(id) ?? -1).sort((a, b) => a - b)
      lines.push(`    lost ids published between ${times[0]} ms and ${times.at(-1)} ms: ${lost[s.name]!.slice(0, 8).join(' ')}${lost[s.name]!.length > 8 ? ' ...' : ''}`)
      lines.push(`    its connection (+up/-down, ms): ${s.tracked.timeline.join(' ')}`)
    }
  }
  lines.push(`  publishers reconnected: ${publishers.map((p) => p.connects - 1).join(', ')}`)
  console.log(lines.join('\n'))
  for (const line of lines) t.diagnostic(line)

  for (const r of restarts) assert.equal(r.exit, 0, `${r.id} did not exit cleanly on SIGTERM`)
  for (const s of subscribers) {
    assert.ok(s.tracked.connects > 1, `${s.name} never had to reconnect: the restarts did not exercise it`)
    assert.equal(s.tracked.reconnectsWithoutSession, 0, `${s.name} reconnected without its session`)
  }
  assert.ok(proxy.backends.every((b) => b.connections > 0), 'every node served clients')
  const totalLost = Object.values(lost).reduce((sum, ids) => sum + ids.length, 0)
  if (totalLost > 0) {
    // The nodes' own warnings (queue full, Redis trouble) tell where a loss came from.
    for (const n of nodes) {
      for (const [run, output] of [['before restart', stoppedOutput.get(n.id) ?? ''], ['after restart', n.process()?.output() ?? '']]) {
        const warnings = output!.split('\n').filter((l) => /"level":(40|50|60)/.test(l)).slice(0, 5)
        for (const w of warnings) t.diagnostic(`  ${n.id} ${run}: ${w.slice(0, 300)}`)
      }
    }
  }
  for (const s of subscribers) {
    assert.deepEqual(lost[s.name]!.slice(0, 20), [], `${s.name} lost ${lost[s.name]!.length} acknowledged messages`)
  }
})
