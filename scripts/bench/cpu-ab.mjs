#!/usr/bin/env node
// Broker CPU per delivery, in-process, for quick before/after comparisons of
// siar's message path against plain aedes (no CLI, no logger, no HTTP):
//
//   node scripts/bench/cpu-ab.mjs [--rounds 4] [--count 40000] [siar aedes siar-nohist ...]
//
// Each round runs every mode once (fan-in 16 -> 1, QoS 0, --count messages per
// publisher, `siar bench` in a separate process) and prints the broker process's
// CPU time ÷ deliveries. `siar-nohist` is an experiment: siar with prom-client's
// Histogram observe turned into a no-op, to price siar_delivery_latency_seconds.
// Modes run as child processes so each starts clean.
import { execFile, execFileSync } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freePort } from './targets.mjs'

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
      console.error(`round ${round + 1} ${mode.padEnd(12)} ${r.usPerDelivery.toFixed(2)} µs/delivery  ${r.deliveredPerSecond}/s  lost ${r.lost}`)
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
  if (mode.startsWith('siar')) {
    const { startBroker, parseOptions } = await import(new URL('packages/core/dist/index.js', `file://${root}`).href)
    await startBroker(parseOptions({ port, wsPort: 0, httpPort: 0, logLevel: 'silent' }))
  } else {
    const { Aedes } = await import('aedes')
    const aedes = await Aedes.createBroker()
    await new Promise((resolve) => createServer({ noDelay: true }, aedes.handle).listen(port, '127.0.0.1', resolve))
  }
  const before = process.cpuUsage()
  execFile(process.execPath, [`${root}packages/cli/bin/siar.js`, 'bench', 'fanin', '-h', '127.0.0.1', '-p', String(port), '--count', String(count), '--json'], (err, out) => {
    const cpu = process.cpuUsage(before)
    if (err && !out) throw err
    const r = JSON.parse(out)
    process.stdout.write(JSON.stringify({ usPerDelivery: (cpu.user + cpu.system) / r.messages.unique, deliveredPerSecond: r.messages.deliveredPerSecond, lost: r.messages.lost }))
    process.exit(0)
  })
}
