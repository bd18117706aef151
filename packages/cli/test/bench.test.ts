import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { PassThrough } from 'node:stream'
import { startTestBroker, getFreePort, spawnTracked, waitFor, connectMqtt } from '@siar/testing'
import { createPlan, type PlanInput } from '../src/bench/plan.js'
import { runBench } from '../src/bench/run.js'
import type { BenchResult } from '../src/bench/result.js'
import { main } from '../src/main.js'
import type { Io } from '../src/output.js'

// Smoke tests: every scenario runs for a moment (counts, not durations) against an
// in-process siar broker and against Mosquitto, asserting exact delivery and a
// sane result shape. Never timing: this 2-core machine is shared.

async function startMosquitto (): Promise<{ port: number, stop: () => Promise<unknown> }> {
  const port = await getFreePort()
  const dir = mkdtempSync(join(tmpdir(), 'siar-bench-mosq-'))
  const conf = join(dir, 'mosquitto.conf')
  // Mosquitto drops QoS 1/2 messages beyond 1000 queued per client by default; the bench checks exact delivery.
  // Without TCP_NODELAY its small replies wait on delayed ACKs (~40 ms each), which makes reqres crawl.
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\npersistence false\nset_tcp_nodelay true\n`)
  const proc = spawnTracked('mosquitto', ['-c', conf])
  await waitFor(async () => {
    if (proc.child.exitCode !== null) throw new Error(`mosquitto exited: ${proc.output()}`)
    const c = await connectMqtt(`mqtt://127.0.0.1:${port}`)
    await c.endAsync()
    return true
  }, 'mosquitto to accept connections')
  return { port, stop: () => proc.stop() }
}

function bench (port: number, input: Omit<PlanInput, 'connect'> & { protocolVersion?: 4 | 5 }): Promise<BenchResult> {
  const { protocolVersion = 5, ...rest } = input
  return runBench(createPlan({ workers: 2, drainQuietMs: 1000, ...rest, connect: { host: '127.0.0.1', port, protocolVersion } }))
}

function assertExact (r: BenchResult, expected: number): void {
  assert.equal(r.connections.failed, 0, `connection failures: ${r.connections.firstError}`)
  assert.equal(r.messages.expected, expected)
  assert.equal(r.messages.unique, expected, `lost ${r.messages.lost}`)
  assert.equal(r.messages.lost, 0)
  assert.equal(r.messages.duplicates, 0)
  assert.equal(r.messages.foreign, 0)
  assert.equal(r.ok, true, r.problems.join('; '))
  assert.equal(r.latencyMs.count, expected)
  assert.ok(r.latencyMs.p99Ms >= r.latencyMs.p50Ms && r.latencyMs.maxMs >= r.latencyMs.p99Ms)
  assert.ok(r.generator.cpuPercent >= 0 && r.generator.cores >= 1)
}

const targets = [
  { name: 'siar (in process)', start: async () => { const b = await startTestBroker(); return { port: b.port, stop: () => b.close() } } },
  { name: 'mosquitto', start: startMosquitto }
]

for (const target of targets) {
  test(`siar bench scenarios against ${target.name}`, async (t) => {
    const broker = await target.start()
    t.after(() => broker.stop())

    await t.test('fanin: 4 publishers -> 1 wildcard subscriber, QoS 1, every message once', async () => {
      const r = await bench(broker.port, { scenario: 'fanin', publishers: 4, count: 500, qos: 1 })
      assert.equal(r.messages.sent, 2000)
      assert.equal(r.messages.acked, 2000)
      assertExact(r, 2000)
    })
    await t.test('fanout: 1 publisher -> 5 subscribers, QoS 2, exactly once each', async () => {
      const r = await bench(broker.port, { scenario: 'fanout', subscribers: 5, count: 300, qos: 2 })
      assertExact(r, 1500)
    })
    await t.test('fanin at QoS 0 over MQTT 3.1.1, full speed, bounded by --count', async () => {
      const r = await bench(broker.port, { scenario: 'fanin', publishers: 8, count: 1000, qos: 0, protocolVersion: 4 })
      assert.equal(r.protocolVersion, 4)
      assert.equal(r.messages.sent, 8000)
      // QoS 0 may drop under overload; on loopback at this size nothing should.
      assertExact(r, 8000)
    })
    await t.test('latency: fixed rate, stamped schedule', async () => {
      const r = await bench(broker.port, { scenario: 'latency', rate: 1000, count: 500, qos: 1, payloadBytes: 128 })
      assertExact(r, 500)
      assert.ok(r.messages.publishSeconds >= 0.4, `500 messages at 1000/s took ${r.messages.publishSeconds} s`)
      assert.ok(r.latencyMs.p50Ms >= r.latencyFromSendMs.p50Ms - 0.05, 'latency from schedule is never less than from send')
    })
    for (const v of [5, 4] as const) {
      await t.test(`reqres over MQTT ${v === 5 ? '5 (response topic + correlation data)' : '3.1.1 (reply topic from the payload)'}`, async () => {
        const r = await bench(broker.port, { scenario: 'reqres', publishers: 3, subscribers: 1, count: 200, qos: 1, protocolVersion: v })
        assertExact(r, 600)
        assert.deepEqual(r.reqres, { requestsHandled: 600, correlationMismatches: 0 })
      })
    }
    await t.test('pub: publishes acknowledged at QoS 1', async () => {
      const r = await bench(broker.port, { scenario: 'pub', publishers: 2, count: 1000, qos: 1 })
      assert.equal(r.messages.sent, 2000)
      assert.equal(r.messages.acked, 2000)
      assert.equal(r.ok, true, r.problems.join('; '))
    })
    await t.test('sub: counts what a separate pub run sends', async () => {
      const topic = `bench-sub-${Date.now()}`
      let started!: () => void
      const subscribed = new Promise<void>((resolve) => { started = resolve })
      const sub = runBench(createPlan({ scenario: 'sub', subscribers: 2, topic: `${topic}/#`, durationMs: 30_000, count: 500, drainQuietMs: 500, qos: 1, workers: 1, connect: { host: '127.0.0.1', port: broker.port, protocolVersion: 5 } }), {
        onProgress: (p) => { if (p.phase !== 'connecting') started() }
      })
      await subscribed
      const pub = await bench(broker.port, { scenario: 'pub', publishers: 2, count: 250, qos: 1, topic })
      assert.equal(pub.messages.acked, 500)
      // --count for sub: stop once each subscriber has received that many.
      const r = await sub
      assert.equal(r.messages.unique, 1000, 'each of 2 subscribers saw all 500')
      assert.equal(r.messages.duplicates, 0)
      assert.equal(r.messages.lost, 0)
    })
    await t.test('conn: opens connections at a rate', async () => {
      const r = await bench(broker.port, { scenario: 'conn', connections: 200, rate: 1000 })
      assert.equal(r.connections.connected, 200)
      assert.equal(r.connections.failed, 0)
      assert.ok(r.connections.perSecond > 0)
      assert.equal(r.connections.connectMs.count, 200)
    })
  })
}

test('--node spreads clients over nodes: publishers and subscribers apart', async (t) => {
  // Two unconnected brokers: the subscriber (node 0) hears only the publishers
  // dealt to node 0 (publisher j goes to node (j + 1) mod 2: j = 1 and 3).
  const a = await startTestBroker()
  const b = await startTestBroker()
  t.after(async () => { await a.close(); await b.close() })
  const r = await runBench(createPlan({
    scenario: 'fanin', publishers: 4, count: 100, qos: 1, workers: 1, drainQuietMs: 300,
    connect: { host: '127.0.0.1', port: a.port, protocolVersion: 5 },
    nodes: [{ host: '127.0.0.1', port: b.port, protocolVersion: 5 }]
  }))
  await waitFor(() => a.broker.aedes.connectedClients + b.broker.aedes.connectedClients === 0, 'every bench client to disconnect')
  assert.equal(r.connections.connected, 5)
  assert.equal(r.messages.sent, 400)
  assert.equal(r.messages.unique, 200)
  assert.equal(r.messages.lost, 200)
  assert.match(r.target, new RegExp(`:${a.port}, mqtt://127\\.0\\.0\\.1:${b.port}$`))
})

function captureIo (): Io & { out: () => string, err: () => string } {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (d: Buffer) => { out += d.toString() })
  stderr.on('data', (d: Buffer) => { err += d.toString() })
  return { stdout, stderr, stdin: new PassThrough(), env: {}, out: () => out, err: () => err }
}

test('siar bench --json prints the result and exits 0', async (t) => {
  const broker = await startTestBroker()
  t.after(() => broker.close())
  const io = captureIo()
  const code = await main(['bench', 'fanin', '-h', '127.0.0.1', '-p', String(broker.port), '--publishers', '2', '--count', '100', '-q', '1', '--workers', '1', '--json'], io)
  assert.equal(code, 0, io.err())
  const r = JSON.parse(io.out()) as BenchResult
  assert.equal(r.scenario, 'fanin')
  assert.equal(r.messages.unique, 200)
  assert.deepEqual(Object.keys(r).sort(), ['connections', 'generator', 'latencyFromSendMs', 'latencyMs', 'messages', 'ok', 'payloadBytes', 'problems', 'protocolVersion', 'publishers', 'qos', 'rate', 'scenario', 'subscribers', 'target', 'workers'])
})

test('siar bench prints a human summary, and exits 1 when connections fail', async () => {
  const port = await getFreePort()
  const io = captureIo()
  const code = await main(['bench', 'conn', '-h', '127.0.0.1', '-p', String(port), '-n', '3', '-r', '0', '--workers', '1'], io)
  assert.equal(code, 1)
  assert.match(io.out(), /connections\s+0 of 3 up, 3 FAILED/)
  assert.match(io.out(), /PROBLEM: 3 of 3 connections failed \(first: ECONNREFUSED/)
})

test('siar bench rejects an unknown scenario and a payload smaller than the header', async () => {
  const io = captureIo()
  assert.equal(await main(['bench', 'nope'], io), 2)
  assert.match(io.err(), /unknown scenario "nope"/)
  assert.equal(await main(['bench', 'fanin', '-s', '10'], io), 2)
  assert.match(io.err(), /payload size must be 28/)
})
