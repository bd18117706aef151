import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { connect as netConnect } from 'node:net'
import { connectMqtt, startBrokerProcess, waitFor } from '@siar/testing'
import { SCENARIOS } from './hostile-input-packets.js'

/**
 * Hostile input against a broker in its own process (so its memory is its
 * own): >= 100,000 broken packets over thousands of connections, then a
 * slowloris wave, while one well-behaved client keeps publishing and must
 * keep receiving. Bounded: fixed counts, every wait has a timeout.
 */
const CONNECTIONS = 5_000
const PACKETS_PER_CONNECTION = 24
const CONCURRENCY = 64
const CONNECT_TIMEOUT_MS = 1_500
const SLOWLORIS_SOCKETS = 300
/** The bounds this test states: RSS growth while under attack and after it. */
const MAX_PEAK_RSS_GROWTH_MB = 160
const MAX_FINAL_RSS_GROWTH_MB = 100
const MAX_FINAL_HEAP_USED_MB = 120
/** The side client publishes every 25 ms; a gap longer than this means it stalled. */
const MAX_SIDE_GAP_MS = 2_000

function rssMb (pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(m?.[1] ?? 0) / 1024
}

/** The broker's V8 heap in use, from its own /metrics (prom-client default metrics). */
async function heapUsedMb (httpUrl: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  const m = /^siar_nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text)
  return Number(m?.[1] ?? Number.NaN) / 1024 / 1024
}

/** Send one batch on a fresh connection and wait until it is closed (bounded). */
function attack (port: number, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = netConnect({ port, host: '127.0.0.1' })
    const timer = setTimeout(() => socket.destroy(), 5_000)
    socket.on('error', () => {})
    socket.once('close', () => { clearTimeout(timer); resolve() })
    socket.once('connect', () => { socket.end(data) })
    socket.resume()
  })
}

test('malformed and random packets, then slowloris: the broker stays up, a good client keeps flowing, memory stays bounded', async (t) => {
  const broker = await startBrokerProcess({ args: ['--connect-timeout-ms', String(CONNECT_TIMEOUT_MS), '--ws-port', '0'] })
  t.after(() => broker.stop())
  const pid = broker.process.pid

  // The well-behaved client: publishes QoS 1 every 25 ms to itself.
  const side = await connectMqtt(broker.mqttUrl, { clientId: 'side-client', keepalive: 10 })
  t.after(() => side.endAsync(true))
  const arrivals: number[] = []
  side.on('message', () => { arrivals.push(Date.now()) })
  await side.subscribeAsync('side/flow', { qos: 1 })
  let sent = 0
  const ticker = setInterval(() => { sent++; side.publish('side/flow', String(sent), { qos: 1 }) }, 25)
  t.after(() => clearInterval(ticker))
  await waitFor(() => arrivals.length >= 5, 'the side client to get going')

  const baseline = rssMb(pid)
  const heapBefore = await heapUsedMb(broker.httpUrl)
  let peak = baseline
  const sampler = setInterval(() => { peak = Math.max(peak, rssMb(pid)) }, 100)
  t.after(() => clearInterval(sampler))

  // Phase 1: broken packets.
  const started = Date.now()
  let next = 0
  let packets = 0
  const byScenario = new Map<string, number>()
  const worker = async (): Promise<void> => {
    while (next < CONNECTIONS) {
      const i = next++
      const batch = (SCENARIOS[i % SCENARIOS.length] as (typeof SCENARIOS)[number])(i, PACKETS_PER_CONNECTION)
      packets += batch.packets.length
      byScenario.set(batch.name, (byScenario.get(batch.name) ?? 0) + batch.packets.length)
      await attack(broker.port, Buffer.concat(batch.packets))
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const floodMs = Date.now() - started

  // Phase 2: slowloris. Half send one byte of a CONNECT; half trickle a byte
  // every 200 ms, which must not keep the connection alive past the timeout.
  const lorisStarted = Date.now()
  const closedAfter: number[] = []
  const trickle = Buffer.from([0x10, 0x7f, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x10, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61])
  const loris = await Promise.all(Array.from({ length: SLOWLORIS_SOCKETS }, (_, i) => new Promise<void>((resolve) => {
    const socket = netConnect({ port: broker.port, host: '127.0.0.1' })
    let sentBytes = 0
    let drip: NodeJS.Timeout | undefined
    const openedAt = Date.now()
    // A guard far past the timeout, only so a failing broker cannot hang the test.
    const guard = setTimeout(() => socket.destroy(new Error('not cut off')), CONNECT_TIMEOUT_MS + 8_000)
    socket.on('error', () => {})
    socket.once('close', (hadError) => {
      clearTimeout(guard)
      clearInterval(drip)
      if (!hadError) closedAfter.push(Date.now() - openedAt)
      resolve()
    })
    socket.once('connect', () => {
      socket.write(trickle.subarray(0, 1))
      sentBytes = 1
      if (i % 2 === 1) {
        drip = setInterval(() => {
          if (sentBytes < trickle.length) socket.write(trickle.subarray(sentBytes, ++sentBytes))
        }, 200)
      }
    })
  })))
  assert.equal(loris.length, SLOWLORIS_SOCKETS)
  const lorisMs = Date.now() - lorisStarted

  // Let the broker settle, then check what we promised.
  const before = arrivals.length
  await waitFor(() => arrivals.length >= before + 20, 'the side client to keep receiving after the attack')
  clearInterval(ticker)
  await waitFor(() => arrivals.length >= sent, `all ${sent} side messages to arrive (have ${arrivals.length})`)
  clearInterval(sampler)
  const final = rssMb(pid)
  const heapAfter = await heapUsedMb(broker.httpUrl)
  const gaps = arrivals.slice(1).map((a, i) => a - (arrivals[i] as number))
  const maxGap = Math.max(...gaps)
  const health = await fetch(`${broker.httpUrl}/healthz`)

  t.diagnostic(`flood: ${packets} packets over ${CONNECTIONS} connections in ${floodMs} ms; ` +
    `per scenario ${JSON.stringify(Object.fromEntries(byScenario))}`)
  t.diagnostic(`slowloris: ${closedAfter.length}/${SLOWLORIS_SOCKETS} cut off by the broker, after ` +
    `${Math.min(...closedAfter)}..${Math.max(...closedAfter)} ms (connect timeout ${CONNECT_TIMEOUT_MS} ms), wave took ${lorisMs} ms`)
  t.diagnostic(`side client: ${arrivals.length}/${sent} messages, longest gap ${maxGap} ms`)
  t.diagnostic(`broker RSS: baseline ${baseline.toFixed(1)} MB, peak ${peak.toFixed(1)} MB, final ${final.toFixed(1)} MB; ` +
    `V8 heap used: before ${heapBefore.toFixed(1)} MB, after ${heapAfter.toFixed(1)} MB`)

  assert.ok(packets >= 100_000, `sent ${packets} packets`)
  assert.equal(broker.process.child.exitCode, null, 'the broker process is still running')
  assert.equal(health.status, 200)
  assert.equal(closedAfter.length, SLOWLORIS_SOCKETS, 'every slowloris socket was closed by the broker')
  assert.ok(Math.min(...closedAfter) >= CONNECT_TIMEOUT_MS - 200, 'closed by the connect timeout, not before')
  assert.ok(Math.max(...closedAfter) <= CONNECT_TIMEOUT_MS + 3_000, 'closed soon after the connect timeout, even while trickling')
  assert.ok(maxGap <= MAX_SIDE_GAP_MS, `the side client stalled for ${maxGap} ms`)
  assert.ok(peak - baseline <= MAX_PEAK_RSS_GROWTH_MB, `peak RSS grew by ${(peak - baseline).toFixed(1)} MB`)
  assert.ok(final - baseline <= MAX_FINAL_RSS_GROWTH_MB, `final RSS grew by ${(final - baseline).toFixed(1)} MB`)
  assert.ok(heapAfter <= MAX_FINAL_HEAP_USED_MB, `V8 heap in use at the end: ${heapAfter.toFixed(1)} MB`)
})
