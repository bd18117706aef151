#!/usr/bin/env node
// Broker memory per idle connection, in-process, for before/after comparisons
// of what siar adds to each connection against plain aedes:
//
//   node scripts/bench/mem-ab.mjs [--rounds 2] [--connections 10000] [siar aedes ...]
//
// Each mode runs in a fresh child process (with --expose-gc): the broker starts,
// `siar bench conn` (a separate process) opens the connections and holds them,
// and once the broker counts them all it collects garbage and reports, per
// connection, the growth of the JS heap, of external + array buffers, and of RSS.
import { execFileSync, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freePort } from './targets.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))
const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '2' }, connections: { type: 'string', default: '10000' }, child: { type: 'string' } } })

if (values.child) {
  await runChild(values.child, Number(values.connections))
} else {
  const modes = positionals.length ? positionals : ['siar', 'aedes']
  const results = Object.fromEntries(modes.map((m) => [m, []]))
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const mode of modes) {
      const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', mode, '--connections', values.connections], { encoding: 'utf8', cwd: root })
      const r = JSON.parse(out)
      results[mode].push(r)
      console.error(`round ${round + 1} ${mode.padEnd(8)} heap ${r.heap} B  external ${r.external} B  rss ${r.rss} B per connection (${r.connections} connections)`)
    }
  }
  for (const [mode, rs] of Object.entries(results)) {
    const mean = (k) => Math.round(rs.reduce((a, r) => a + r[k], 0) / rs.length)
    console.log(`${mode.padEnd(8)} mean per connection: heap ${mean('heap')} B, external ${mean('external')} B, rss ${mean('rss')} B over ${rs.length} runs`)
  }
}

async function runChild (mode, connections) {
  const port = await freePort()
  let count
  if (mode === 'siar') {
    const { startBroker, parseOptions } = await import(new URL('packages/core/dist/index.js', `file://${root}`).href)
    const broker = await startBroker(parseOptions({ port, wsPort: 0, httpPort: 0, logLevel: 'silent', sys: { intervalSeconds: 0 } }))
    count = () => broker.aedes.connectedClients
  } else {
    const { Aedes } = await import('aedes')
    const aedes = await Aedes.createBroker()
    await new Promise((resolve) => createServer({ noDelay: true }, aedes.handle).listen(port, '127.0.0.1', resolve))
    count = () => aedes.connectedClients
  }
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      global.gc()
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const m = process.memoryUsage()
    return { heap: m.heapUsed, external: m.external + m.arrayBuffers, rss: m.rss }
  }
  const before = await settle()
  const gen = spawn(process.execPath, [`${root}packages/cli/bin/siar.js`, 'bench', 'conn', '-h', '127.0.0.1', '-p', String(port), '-n', String(connections), '--rate', '2000', '--hold', '600', '--json'], { stdio: 'ignore' })
  const deadline = Date.now() + 120_000
  while (count() < connections) {
    if (Date.now() > deadline || gen.exitCode !== null) throw new Error(`only ${count()} of ${connections} connections came up`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const held = await settle()
  gen.kill('SIGKILL')
  const per = (k) => Math.round((held[k] - before[k]) / connections)
  process.stdout.write(JSON.stringify({ connections, heap: per('heap'), external: per('external'), rss: per('rss') }))
  process.exit(0)
}
