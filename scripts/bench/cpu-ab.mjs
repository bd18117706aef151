#!/usr/bin/env node
// Broker CPU per delivery, in-process, for quick before/after comparisons of
// siar's message path against plain aedes (no CLI, no logger, no HTTP):
//
//   node scripts/bench/cpu-ab.mjs [--rounds 4] [--count 40000] [siar aedes siar-nohist ...]
//
// Each round runs every mode once (fan-in 16 -> 1, QoS 0, --count messages per
// publisher, `siar bench` in a separate process) and prints the broker process's
// CPU time ÷ deliveries. Modes: `siar`, `aedes` (in memory), `siar-redis` and
// `aedes-redis` (one node on a throwaway redis-server; the broker's CPU and
// redis-server's are reported apart, `redis` µs/delivery). `siar-nohist` is an
// experiment: siar with prom-client's Histogram observe turned into a no-op (it
// prices what is still a prom-client histogram: siar_redis_command_duration_seconds).
// Modes run as child processes so each starts clean.
import { execFile, execFileSync } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { readFileSync } from 'node:fs'
import { freePort, startRedis } from './targets.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))
const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '4' }, count: { type: 'string', default: '40000' }, child: { type: 'string' } } })

if (values.child) {
  await runChild(values.child, Number(values.count))
} else {
  const modes = positionals.length ? positionals : ['siar', 'siar-nohist', 'aedes']
  const results = Object.fromEntries(modes.map((m) => [m, []]))
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const mode of modes) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, '--count', values.count], { encoding: 'utf8', cwd: root })
      const r = JSON.parse(out)
      results[mode].push(r.usPerDelivery)
      const redis = r.redisUsPerDelivery === undefined ? '' : `  (+ redis-server ${r.redisUsPerDelivery.toFixed(2)} µs)`
      console.error(`round ${round + 1} ${mode.padEnd(12)} ${r.usPerDelivery.toFixed(2)} µs/delivery${redis}  ${r.deliveredPerSecond}/s  lost ${r.lost}`)
    }
  }
  for (const [mode, xs] of Object.entries(results)) {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length
    console.log(`${mode.padEnd(12)} mean ${mean.toFixed(2)} µs/delivery over ${xs.length} runs (${xs.map((x) => x.toFixed(2)).join(', ')})`)
  }
}

async function runChild (mode, count) {
  const port = await freePort()
  if (mode === 'siar-nohist') {
    const { Histogram } = await import('prom-client')
    Histogram.prototype.observeWithoutExemplar = function () {}
  }
  const redis = mode.endsWith('-redis') ? await startRedis() : undefined
  if (mode.startsWith('siar')) {
    const { startBroker, parseOptions } = await import(new URL('packages/core/dist/index.js', `file://${root}`).href)
    await startBroker(parseOptions({ port, wsPort: 0, httpPort: 0, logLevel: 'silent', ...(redis ? { cluster: { redis: `redis://127.0.0.1:${redis.port}` }, nodeId: 'cpu-ab' } : {}) }))
  } else {
    const { Aedes } = await import('aedes')
    let opts = {}
    if (redis) {
      const { default: mqemitterRedis } = await import('mqemitter-redis')
      const { default: aedesPersistenceRedis } = await import('aedes-persistence-redis')
      const conn = { host: '127.0.0.1', port: redis.port }
      opts = { mq: mqemitterRedis(conn), persistence: aedesPersistenceRedis(conn) }
    }
    const aedes = await Aedes.createBroker(opts)
    await new Promise((resolve) => createServer({ noDelay: true }, aedes.handle).listen(port, '127.0.0.1', resolve))
  }
  const redisCpuMs = () => {
    if (!redis) return 0
    const stat = readFileSync(`/proc/${redis.pids[0]}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) * 10
  }
  const redisBefore = redisCpuMs()
  const before = process.cpuUsage()
  execFile(process.execPath, [`${root}packages/cli/bin/siar.js`, 'bench', 'fanin', '-h', '127.0.0.1', '-p', String(port), '--count', String(count), '--json'], (err, out) => {
    const cpu = process.cpuUsage(before)
    if (err && !out) throw err
    const r = JSON.parse(out)
    const redisUs = redis ? (redisCpuMs() - redisBefore) * 1000 / r.messages.unique : undefined
    process.stdout.write(JSON.stringify({ usPerDelivery: (cpu.user + cpu.system) / r.messages.unique, redisUsPerDelivery: redisUs, deliveredPerSecond: r.messages.deliveredPerSecond, lost: r.messages.lost }))
    const exit = () => process.exit(0)
    if (redis) redis.stop().then(exit, exit)
    else exit()
  })
}
