import { Histogram, type Percentiles } from './histogram.js'
import type { BenchPlan } from './plan.js'
import type { WorkerStats } from './messages.js'

/** Timestamps (µs, shared monotonic clock) and CPU the coordinator took along the way. */
export interface Measured {
  setupStartUs: number
  setupEndUs: number
  /** Publishing started. */
  t0Us: number
  /** Publishing stopped (duration up or --count reached). */
  stopUs: number
  /** Draining done. */
  endUs: number
  /** CPU of the whole generator process (every worker thread) from t0 to endUs; for conn, during connecting. */
  cpu: NodeJS.CpuUsage
  sentByPublisher: Record<number, number>
}

/** `siar bench --json` prints this; its shape is part of the CLI's interface. */
export interface BenchResult {
  scenario: BenchPlan['scenario']
  target: string
  protocolVersion: number
  qos: number
  payloadBytes: number
  publishers: number
  subscribers: number
  rate: number
  workers: number
  connections: {
    attempted: number
    connected: number
    failed: number
    firstError?: string
    /** conn: successful connects per second while opening them. */
    perSecond: number
    connectMs: Percentiles
  }
  messages: {
    /** Seconds from the first publish to the last publish. */
    publishSeconds: number
    sent: number
    sentPerSecond: number
    acked: number
    /** Deliveries the run should see: sent × receivers of each message. */
    expected: number
    received: number
    unique: number
    lost: number
    duplicates: number
    foreign: number
    /** Distinct deliveries per second, from the first publish to the last delivery. */
    deliveredPerSecond: number
    publishErrors: number
    firstPublishError?: string
  }
  /** End-to-end latency from the scheduled send time (coordinated omission corrected). */
  latencyMs: Percentiles
  /** The same, from the moment the message was actually written. */
  latencyFromSendMs: Percentiles
  reqres?: { requestsHandled: number, correlationMismatches: number }
  generator: {
    /** Process CPU (all worker threads) as % of one core over the measured window. */
    cpuPercent: number
    cores: number
    cpuUserMs: number
    cpuSystemMs: number
    /** Each worker thread's CPU as % of one core over the measured window (Linux): near 100 means that thread was the limit. */
    workerCpuPercent: number[]
  }
  ok: boolean
  problems: string[]
}

export function summarize (plan: BenchPlan, m: Measured, stats: WorkerStats[], cores: number): BenchResult {
  const sum = (f: (s: WorkerStats) => number): number => stats.reduce((n, s) => n + f(s), 0)
  const sent = Object.values(m.sentByPublisher).reduce((a, b) => a + b, 0)
  const receivers = plan.scenario === 'reqres' ? 1 : plan.subscribers
  const unique = sum((s) => s.unique)
  const expected = plan.scenario === 'sub' ? sum((s) => s.seenUpTo) : plan.scenario === 'pub' ? 0 : sent * receivers
  const lastReceiveUs = Math.max(0, ...stats.map((s) => s.lastReceiveUs))
  const attempted = plan.scenario === 'conn' ? plan.connections : plan.publishers + plan.subscribers
  const connected = sum((s) => s.connected)
  // Connects refused or timed out, and subscriptions refused.
  const failed = sum((s) => s.failures)
  const windowUs = Math.max(1, (plan.scenario === 'conn' ? m.setupEndUs - m.setupStartUs : m.endUs - m.t0Us))
  const publishSeconds = (m.stopUs - m.t0Us) / 1e6
  const firstError = stats.find((s) => s.firstError)?.firstError
  const firstPublishError = stats.find((s) => s.firstPublishError)?.firstPublishError
  const result: BenchResult = {
    scenario: plan.scenario,
    target: targetOf(plan),
    protocolVersion: plan.connect.protocolVersion ?? 5,
    qos: plan.qos,
    payloadBytes: plan.payloadBytes,
    publishers: plan.publishers,
    subscribers: plan.subscribers,
    rate: plan.rate,
    workers: plan.workers,
    connections: {
      attempted,
      connected,
      failed,
      ...(firstError ? { firstError } : {}),
      perSecond: round(connected / ((m.setupEndUs - m.setupStartUs) / 1e6)),
      connectMs: Histogram.merge(stats.map((s) => s.connect)).percentiles()
    },
    messages: {
      publishSeconds: round(publishSeconds, 3),
      sent,
      sentPerSecond: publishSeconds > 0 ? round(sent / publishSeconds) : 0,
      acked: sum((s) => s.acked),
      expected,
      received: sum((s) => s.received),
      unique,
      lost: Math.max(0, expected - unique),
      duplicates: sum((s) => s.duplicates),
      foreign: sum((s) => s.foreign),
      deliveredPerSecond: lastReceiveUs > m.t0Us ? round(unique / ((lastReceiveUs - m.t0Us) / 1e6)) : 0,
      publishErrors: sum((s) => s.publishErrors),
      ...(firstPublishError ? { firstPublishError } : {})
    },
    latencyMs: Histogram.merge(stats.map((s) => s.latency)).percentiles(),
    latencyFromSendMs: Histogram.merge(stats.map((s) => s.latencyFromSend)).percentiles(),
    generator: {
      cpuPercent: round(((m.cpu.user + m.cpu.system) / windowUs) * 100, 1),
      cores,
      cpuUserMs: round(m.cpu.user / 1000),
      cpuSystemMs: round(m.cpu.system / 1000),
      workerCpuPercent: stats.filter((s) => s.threadCpuMs >= 0).map((s) => round((s.threadCpuMs * 1000 / windowUs) * 100))
    },
    ok: true,
    problems: []
  }
  if (plan.scenario === 'reqres') result.reqres = { requestsHandled: sum((s) => s.requestsHandled), correlationMismatches: sum((s) => s.correlationMismatches) }
  result.problems = findProblems(plan, result)
  result.ok = result.problems.length === 0
  return result
}

/** What makes `siar bench` exit non-zero: failed connections, and broken delivery guarantees. */
function findProblems (plan: BenchPlan, r: BenchResult): string[] {
  const problems: string[] = []
  if (r.connections.failed > 0) problems.push(`${r.connections.failed} of ${r.connections.attempted} connections failed${r.connections.firstError ? ` (first: ${r.connections.firstError})` : ''}`)
  if (r.messages.publishErrors > 0) problems.push(`${r.messages.publishErrors} publishes failed${r.messages.firstPublishError ? ` (first: ${r.messages.firstPublishError})` : ''}`)
  // QoS 1 and 2 promise delivery [MQTT-4.3.2, 4.3.3]; QoS 2 promises it once.
  if (plan.qos > 0 && r.messages.lost > 0 && plan.scenario !== 'sub') problems.push(`${r.messages.lost} messages lost at QoS ${plan.qos}`)
  if (plan.qos === 2 && r.messages.duplicates > 0) problems.push(`${r.messages.duplicates} duplicates at QoS 2`)
  if (r.reqres && r.reqres.correlationMismatches > 0) problems.push(`${r.reqres.correlationMismatches} responses with the wrong correlation data`)
  return problems
}

function targetOf (plan: BenchPlan): string {
  const where = (c: BenchPlan['connect']): string => {
    if (c.url) return c.url
    const protocol = c.protocol ?? 'mqtt'
    return `${protocol}://${c.host ?? 'localhost'}:${c.port ?? 1883}${protocol.startsWith('ws') ? c.path ?? '/mqtt' : ''}`
  }
  return [plan.connect, ...plan.nodes].map(where).join(', ')
}

function round (n: number, digits = 0): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}
