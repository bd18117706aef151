import type { Percentiles } from './histogram.js'
import type { BenchResult } from './result.js'
import type { Progress } from './run.js'

const n = (v: number): string => Math.round(v).toLocaleString('en-US')
const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2))

/** One status line, rewritten in place on a TTY: what has happened so far and the rates over the last interval. */
export function createProgressLine (scenario: string): (p: Progress) => string {
  let last: { at: number, sent: number, received: number, connected: number } | undefined
  return (p) => {
    const at = Date.now()
    const dt = last ? (at - last.at) / 1000 : 0
    const rate = (now: number, before: number | undefined): string => (dt > 0 && before !== undefined ? `${n((now - before) / dt)}/s` : '…')
    const parts = [`${scenario} ${p.phase} ${(p.elapsedMs / 1000).toFixed(1)}s`]
    if (p.phase === 'connecting' || p.phase === 'holding') {
      parts.push(`connected ${n(p.connected)} (${rate(p.connected, last?.connected)})`)
      if (p.failures) parts.push(`failed ${n(p.failures)}`)
    } else {
      parts.push(`sent ${n(p.sent)} (${rate(p.sent, last?.sent)})`, `received ${n(p.received)} (${rate(p.received, last?.received)})`)
    }
    last = { at, sent: p.sent, received: p.received, connected: p.connected }
    return parts.join('  ')
  }
}

function latencyLine (label: string, p: Percentiles): string {
  return `${label} p50 ${ms(p.p50Ms)}  p90 ${ms(p.p90Ms)}  p99 ${ms(p.p99Ms)}  p99.9 ${ms(p.p999Ms)}  max ${ms(p.maxMs)} ms`
}

/** The human summary printed at the end. */
export function formatSummary (r: BenchResult): string {
  const lines: string[] = []
  const qos = r.scenario === 'conn' ? '' : `, QoS ${r.qos}, ${r.payloadBytes} B payloads`
  lines.push(`siar bench ${r.scenario} → ${r.target} (MQTT ${r.protocolVersion === 4 ? '3.1.1' : r.protocolVersion === 3 ? '3.1' : '5'}${qos})`)
  const c = r.connections
  lines.push(`  connections   ${n(c.connected)} of ${n(c.attempted)} up${c.failed ? `, ${n(c.failed)} FAILED` : ''}; connect p50 ${ms(c.connectMs.p50Ms)} p99 ${ms(c.connectMs.p99Ms)} ms${r.scenario === 'conn' ? `; ${n(c.perSecond)} connects/s` : ''}`)
  if (r.scenario !== 'conn') {
    const m = r.messages
    lines.push(`  published     ${n(m.sent)} in ${m.publishSeconds.toFixed(1)} s = ${n(m.sentPerSecond)}/s${r.qos > 0 ? ` (${n(m.acked)} acknowledged)` : ''}`)
    if (r.scenario !== 'pub') {
      const what = r.scenario === 'reqres' ? 'responses' : 'delivered'
      lines.push(`  ${what.padEnd(13)} ${n(m.unique)} of ${n(m.expected)} = ${n(m.deliveredPerSecond)}/s; lost ${n(m.lost)}, duplicates ${n(m.duplicates)}${m.foreign ? `, foreign ${n(m.foreign)}` : ''}`)
      lines.push(`  ${latencyLine('latency      ', r.latencyMs)}`)
      lines.push(`  ${latencyLine('  from send  ', r.latencyFromSendMs)}`)
    }
    if (r.reqres) lines.push(`  responders    answered ${n(r.reqres.requestsHandled)} requests; correlation mismatches ${n(r.reqres.correlationMismatches)}`)
  }
  const g = r.generator
  const busiest = Math.max(0, ...g.workerCpuPercent)
  const busy = busiest >= 90 ? '  ← a worker thread was saturated: the numbers may be the generator\'s limit, not the broker\'s' : ''
  const perWorker = g.workerCpuPercent.length ? `; per worker ${g.workerCpuPercent.map((p) => `${p}%`).join(' ')}` : ''
  lines.push(`  generator     CPU ${g.cpuPercent}% of one core (${r.workers} worker thread${r.workers === 1 ? '' : 's'}, ${g.cores} cores${perWorker})${busy}`)
  for (const p of r.problems) lines.push(`  PROBLEM: ${p}`)
  return `${lines.join('\n')}\n`
}
