#!/usr/bin/env node
// Measures the brokers in targets.mjs with `siar bench`, in one run: for each
// round and scenario the brokers take turns (the order rotates every round), each
// started fresh; the median of the rounds is reported, absolute and as a ratio
// to plain aedes. Writes results.json and results.md to --out.
//
//   npm run build && scripts/bench/compare.sh [--rounds 3] [--duration 10] [--out DIR] [--only NAME,...] [--scenarios fanin,fanout,latency-p50,memory]
//
// Scenarios (docs/benchmarks.md explains each):
//   fanin    16 publishers -> 1 wildcard subscriber, QoS 0, 64 B: deliveries/s
//   fanout   1 publisher -> 100 subscribers, QoS 0, 64 B: deliveries/s
//   latency  1 -> 1 at 5,000 msg/s, QoS 0: p50 / p99 from the scheduled send time
//   memory   10,000 idle connections: broker RSS growth / connection
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { TARGETS, freePort } from './targets.mjs'

const dist = new URL('../../packages/cli/dist/bench/', import.meta.url)
const { createPlan } = await import(new URL('plan.js', dist))
const { runBench } = await import(new URL('run.js', dist))

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10000' },
    out: { type: 'string', default: 'bench-results' },
    only: { type: 'string' },
    scenarios: { type: 'string' }
  }
})
const rounds = Number(args.rounds)
const durationMs = Number(args.duration) * 1000
const connections = Number(args.connections)
const targets = args.only ? TARGETS.filter((t) => args.only.split(',').some((n) => t.name.includes(n))) : TARGETS

/** Each scenario: how to run it against a port and which number it yields (higher is better unless lowerIsBetter). */
const SCENARIOS = [
  { id: 'fanin', label: 'fan-in 16→1, QoS 0 (msg/s)', plan: { scenario: 'fanin', publishers: 16, subscribers: 1, qos: 0, durationMs }, value: (r) => r.messages.deliveredPerSecond, cpu: 'fanin-cpu' },
  { id: 'fanout', label: 'fan-out 1→100, QoS 0 (deliveries/s)', plan: { scenario: 'fanout', publishers: 1, subscribers: 100, qos: 0, durationMs }, value: (r) => r.messages.deliveredPerSecond, cpu: 'fanout-cpu' },
  { id: 'latency-p50', label: 'latency p50 at 5,000 msg/s (ms)', lowerIsBetter: true, plan: { scenario: 'latency', rate: 5000, qos: 0, durationMs }, value: (r) => r.latencyMs.p50Ms, also: 'latency-p99' },
  { id: 'memory', label: `memory per idle connection, ${connections.toLocaleString('en-US')} conns (bytes)`, lowerIsBetter: true, plan: { scenario: 'conn', connections, rate: 2000 }, memory: true }
]
// --scenarios fanin,memory: run only these (ids as above).
if (args.scenarios) {
  const keep = args.scenarios.split(',')
  for (let i = SCENARIOS.length - 1; i >= 0; i--) if (!keep.includes(SCENARIOS[i].id)) SCENARIOS.splice(i, 1)
}
const EXTRA = {
  'latency-p99': { label: 'latency p99 at 5,000 msg/s (ms)', lowerIsBetter: true },
  // Broker CPU time per delivered message: steadier than throughput on a machine shared with other work.
  'fanin-cpu': { label: 'fan-in: broker CPU per delivery (µs)', lowerIsBetter: true },
  'fanout-cpu': { label: 'fan-out: broker CPU per delivery (µs)', lowerIsBetter: true }
}

const rssBytes = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024
const cpuMs = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 10
}
const sum = (pids, f) => pids.reduce((n, pid) => n + f(pid), 0)
const median = (xs) => { if (xs.length === 0) return NaN; const s = [...xs].sort((a, b) => a - b); const m = Math.floor(s.length / 2); return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }

/** results[targetName][metricId] = [value per round] */
const results = Object.fromEntries(targets.map((t) => [t.name, {}]))
const runs = []
const push = (t, id, v) => { (results[t.name][id] ??= []).push(v) }

for (let round = 0; round < rounds; round++) {
  for (const sc of SCENARIOS) {
    const order = targets.map((_t, i) => targets[(i + round) % targets.length])
    for (const target of order) {
      const port = await freePort()
      let broker
      try {
        broker = await target.start(port)
        // A multi-node target also returns the ports of its other nodes: clients are spread over all of them.
        const nodes = (broker.nodePorts ?? []).map((p) => ({ host: '127.0.0.1', port: p, protocolVersion: 5 }))
        const plan = createPlan({ ...sc.plan, connect: { host: '127.0.0.1', port, protocolVersion: 5 }, nodes })
        let value
        let rssBefore = 0
        let rssHeld = 0
        if (sc.memory) {
          await new Promise((resolve) => setTimeout(resolve, 1000))
          rssBefore = sum(broker.pids, rssBytes)
        }
        const cpuBefore = sum(broker.pids, cpuMs)
        const started = Date.now()
        const r = await runBench(plan, sc.memory
          ? { onHold: async ({ connected }) => { await new Promise((resolve) => setTimeout(resolve, 2000)); rssHeld = sum(broker.pids, rssBytes); value = Math.round((rssHeld - rssBefore) / connected) } }
          : {})
        const brokerCpuUsedMs = sum(broker.pids, cpuMs) - cpuBefore
        const brokerCpuPercent = Math.round(brokerCpuUsedMs / (Date.now() - started) * 100)
        if (!sc.memory) value = sc.value(r)
        if (!r.ok) console.error(`  ! ${target.name} ${sc.id}: ${r.problems.join('; ')}`)
        push(target, sc.id, value)
        if (sc.also) push(target, sc.also, r.latencyMs.p99Ms)
        if (sc.cpu) push(target, sc.cpu, Math.round(brokerCpuUsedMs * 1000 / Math.max(1, r.messages.unique) * 100) / 100)
        runs.push({ round, scenario: sc.id, target: target.name, value, loadAverage1m: loadavg()[0], brokerCpuPercent, generatorCpuPercent: r.generator.cpuPercent, workerCpuPercent: r.generator.workerCpuPercent, problems: r.problems, ...(sc.memory ? { rssBefore, rssHeld } : {}) })
        console.error(`round ${round + 1}/${rounds} ${sc.id.padEnd(12)} ${target.name.padEnd(26)} ${String(value).padStart(9)}  broker CPU ${brokerCpuPercent}%  generator CPU ${r.generator.cpuPercent}% (workers ${r.generator.workerCpuPercent.join('/')}%)`)
      } catch (err) {
        // One failed run is reported and left out of the medians; the comparison goes on.
        console.error(`  ! ${target.name} ${sc.id}: run failed: ${err.message}`)
        runs.push({ round, scenario: sc.id, target: target.name, loadAverage1m: loadavg()[0], error: err.message })
      } finally {
        await broker?.stop()
      }
    }
  }
}

const baseline = targets.find((t) => t.baseline)
const metrics = SCENARIOS.flatMap((s) => [{ id: s.id, label: s.label, lowerIsBetter: s.lowerIsBetter }, ...[s.also, s.cpu].filter(Boolean).map((id) => ({ id, ...EXTRA[id] }))])
const fmt = (v) => (Number.isNaN(v) ? 'n/a' : v >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 1000) / 1000))
const rows = metrics.map((m) => {
  const base = baseline ? median(results[baseline.name][m.id] ?? []) : undefined
  const cells = targets.map((t) => {
    const v = median(results[t.name][m.id] ?? [])
    // Ratio: how many times better than plain aedes (>1 = better), whichever way the metric points.
    const ratio = base ? (m.lowerIsBetter ? base / v : v / base) : undefined
    return `${fmt(v)}${ratio !== undefined && t !== baseline ? ` (${ratio.toFixed(2)}×)` : ''}`
  })
  return `| ${m.label} | ${cells.join(' | ')} |`
})
const cpu = cpus()[0]?.model ?? 'unknown CPU'
/** Other work on the machine skews everything: the load average is reported beside the numbers. */
function loadRange () {
  const loads = runs.map((r) => r.loadAverage1m)
  return `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`
}
const md = [
  `Machine: ${availableParallelism()} cores, ${cpu}, Node ${process.version}; ${rounds} rounds, median; ${durationMs / 1000} s per throughput run; ${new Date().toISOString()}; load average during the runs ${loadRange()}`,
  '',
  `| scenario | ${targets.map((t) => t.name).join(' | ')} |`,
  `| --- | ${targets.map(() => '---:').join(' | ')} |`,
  ...rows,
  '',
  'Ratios in brackets are against plain aedes, oriented so that > 1 means better than plain aedes.'
].join('\n')
mkdirSync(args.out, { recursive: true })
writeFileSync(join(args.out, 'results.json'), JSON.stringify({ machine: { cores: availableParallelism(), cpu, node: process.version }, rounds, durationMs, connections, results, runs }, null, 2))
writeFileSync(join(args.out, 'results.md'), `${md}\n`)
process.stdout.write(`${md}\n`)
