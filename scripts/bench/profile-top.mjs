#!/usr/bin/env node
// Summarise a V8 .cpuprofile (node --cpu-prof): the functions and the packages
// that take the most self time. Usage: node scripts/bench/profile-top.mjs FILE [N]
import { readFileSync } from 'node:fs'

const [file, topArg] = process.argv.slice(2)
if (!file) {
  console.error('usage: profile-top.mjs FILE.cpuprofile [N]')
  process.exit(2)
}
const top = Number(topArg ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const selfUs = new Map()
// Samples are node ids; timeDeltas the µs before each sample.
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
const total = [...selfUs.values()].reduce((a, b) => a + b, 0)

/** Which package a script belongs to: node_modules/<pkg>, a siar workspace package, or node: internals. */
function owner (url) {
  if (!url) return '(native / V8)'
  if (url.startsWith('node:')) return 'node:internals'
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (nm) return nm[1]
  const ws = /\/(packages|apps)\/([^/]+)\/(?:dist|src)\/(.*)$/.exec(url)
  if (ws) return `siar ${ws[2]}/${ws[3].split('/').slice(0, -1).join('/') || '.'}`
  return url
}

const fns = new Map()
const pkgs = new Map()
for (const [id, us] of selfUs) {
  const { callFrame: f } = byId.get(id)
  const name = `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.replace(/^.*\/(node_modules|packages|apps)\//, '$1/')}:${f.lineNumber + 1}` : ''}`
  fns.set(name, (fns.get(name) ?? 0) + us)
  const o = owner(f.url)
  pkgs.set(o, (pkgs.get(o) ?? 0) + us)
}
const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)}%`
const print = (title, map, n) => {
  console.log(`\n${title}`)
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(us)}  ${k}`)
}
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`)
print('self time by package', pkgs, 20)
print(`top ${top} functions by self time`, fns, top)
