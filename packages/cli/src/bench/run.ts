import { Worker } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { nowUs } from './payload.js'
import { shareClients, type BenchPlan } from './plan.js'
import { summarize, type BenchResult, type Measured } from './result.js'
import type { FromWorker, ProgressCounts, ToWorker, WorkerInit, WorkerStats } from './messages.js'

/** After publishing stops, stop waiting for stragglers after this long in any case, ms. */
const DRAIN_CAP_MS = 60_000
/** Loading, connecting and closing are bounded too, ms. */
const PHASE_TIMEOUT_MS = 120_000

export interface Progress extends ProgressCounts {
  phase: 'connecting' | 'running' | 'draining' | 'holding'
  elapsedMs: number
}

export interface BenchHooks {
  onProgress?: (progress: Progress) => void
  /** conn: runs once every connection is up, while they are held open (the hold lasts at least --hold). */
  onHold?: (info: { connected: number }) => Promise<void> | void
  /** Stop publishing (or holding) early and report what was measured so far (Ctrl+C). */
  signal?: AbortSignal
}

/** Run one bench scenario with worker threads and return the measured result. */
export async function runBench (plan: BenchPlan, hooks: BenchHooks = {}): Promise<BenchResult> {
  const shares = shareClients(plan)
  const counters = new SharedArrayBuffer(shares.length * 2 * Float64Array.BYTES_PER_ELEMENT)
  const workers = shares.map((share, index) => spawnWorker({ index, plan, share, counters }))
  const latest = workers.map((): ProgressCounts => ({ sent: 0, received: 0, connected: 0, failures: 0 }))
  let phase: Progress['phase'] = 'connecting'
  let phaseStartUs = nowUs()
  let doneCount = 0
  const mailbox = workers.map(() => [] as FromWorker[])
  const waiters = new Set<() => void>()
  let crashed: Error | undefined

  workers.forEach((w, i) => {
    w.on('message', (m: FromWorker) => {
      if (m.type === 'progress') {
        latest[i] = m
        hooks.onProgress?.({ ...total(latest), phase, elapsedMs: (nowUs() - phaseStartUs) / 1000 })
      } else if (m.type === 'done') {
        doneCount++
      } else {
        mailbox[i]?.push(m)
      }
      for (const wake of waiters) wake()
    })
    w.on('error', (err) => { crashed ??= err; for (const wake of waiters) wake() })
  })

  /** Wait until `ready()` holds, re-checking on every worker message and every 50 ms. */
  const until = async (ready: () => boolean, timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs
    while (!ready()) {
      if (crashed) throw crashed
      if (Date.now() >= deadline) return false
      await new Promise<void>((resolve) => {
        const wake = (): void => { clearTimeout(t); waiters.delete(wake); resolve() }
        const t = setTimeout(wake, Math.min(50, Math.max(1, deadline - Date.now())))
        waiters.add(wake)
      })
    }
    return true
  }
  const collect = async <T extends FromWorker['type']>(type: T): Promise<Array<Extract<FromWorker, { type: T }>>> => {
    const take = (i: number): Extract<FromWorker, { type: T }> | undefined => mailbox[i]?.find((m) => m.type === type) as Extract<FromWorker, { type: T }> | undefined
    if (!await until(() => workers.every((_w, i) => take(i)), PHASE_TIMEOUT_MS)) throw new Error(`bench workers did not report '${type}' within ${PHASE_TIMEOUT_MS / 1000} s`)
    return workers.map((_w, i) => take(i) as Extract<FromWorker, { type: T }>)
  }
  const broadcast = (m: ToWorker): void => { for (const w of workers) w.postMessage(m) }

  try {
    await collect('loaded')
    const cpuSetup = process.cpuUsage()
    const setupStartUs = nowUs()
    broadcast({ type: 'setup' })
    const ready = await collect('ready')
    const setupEndUs = nowUs()
    const failed = ready.reduce((n, r) => n + r.failures, 0)
    const measured: Measured = { setupStartUs, setupEndUs, t0Us: setupEndUs, stopUs: setupEndUs, endUs: setupEndUs, cpu: process.cpuUsage(cpuSetup), sentByPublisher: {} }

    if (plan.scenario === 'conn') {
      phase = 'holding'
      phaseStartUs = nowUs()
      const connected = ready.reduce((n, r) => n + r.connected, 0)
      await Promise.all([until(() => hooks.signal?.aborted === true, plan.holdMs), hooks.onHold?.({ connected })])
    } else if (failed === 0) {
      const cpuStart = process.cpuUsage()
      phase = 'running'
      phaseStartUs = measured.t0Us = nowUs()
      broadcast({ type: 'start', t0Us: measured.t0Us })
      // Until --duration is up, or every publisher has sent --count (sub: every subscriber received --count).
      const publishing = shares.filter((s) => s.publisherIds.length > 0).length
      const enough = plan.scenario === 'sub' && plan.countPerPublisher !== undefined ? plan.countPerPublisher * plan.subscribers : Number.POSITIVE_INFINITY
      await until(() => (publishing > 0 && doneCount === publishing) || total(latest).received >= enough || hooks.signal?.aborted === true, plan.durationMs)
      broadcast({ type: 'stop' })
      const published = await collect('published')
      measured.stopUs = nowUs()
      for (const p of published) Object.assign(measured.sentByPublisher, p.sentByPublisher)
      phase = 'draining'
      await drain(plan, measured, () => total(latest).received, until)
      measured.endUs = nowUs()
      measured.cpu = process.cpuUsage(cpuStart)
    }
    broadcast({ type: 'finish' })
    const finals = await collect('final')
    return summarize(plan, measured, finals.map((f) => f.stats as WorkerStats), availableParallelism())
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
}

/** Wait for messages still in flight: until every expected delivery arrived, or none arrived for drainQuietMs. */
async function drain (plan: BenchPlan, measured: Measured, received: () => number, until: (ready: () => boolean, timeoutMs: number) => Promise<boolean>): Promise<void> {
  const sent = Object.values(measured.sentByPublisher).reduce((a, b) => a + b, 0)
  const expected = plan.scenario === 'reqres' ? sent : plan.scenario === 'sub' || plan.scenario === 'pub' ? Number.POSITIVE_INFINITY : sent * plan.subscribers
  if (plan.scenario === 'pub') return
  const deadline = Date.now() + DRAIN_CAP_MS
  let last = received()
  let lastChange = Date.now()
  await until(() => {
    const now = received()
    if (now !== last) { last = now; lastChange = Date.now() }
    return now >= expected || Date.now() - lastChange >= plan.drainQuietMs || Date.now() >= deadline
  }, DRAIN_CAP_MS + 1000)
}

function total (all: ProgressCounts[]): ProgressCounts {
  return all.reduce((t, p) => ({ sent: t.sent + p.sent, received: t.received + p.received, connected: t.connected + p.connected, failures: t.failures + p.failures }), { sent: 0, received: 0, connected: 0, failures: 0 })
}

/**
 * From the built CLI the worker is plain JS beside this file. Run from source
 * (tests, through tsx), a worker does not inherit the TypeScript loader, so a tiny
 * bootstrap registers it first.
 */
function spawnWorker (init: WorkerInit): Worker {
  const fromSource = import.meta.url.endsWith('.ts')
  const url = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url)
  if (!fromSource) return new Worker(url, { workerData: init })
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}) })`
  return new Worker(boot, { eval: true, workerData: init })
}
