import { availableParallelism } from 'node:os'
import { randomBytes } from 'node:crypto'
import type { ConnectOptions, QoS } from '@siar/client'
import { SCENARIOS, BENCH_HEADER_BYTES, type ScenarioName } from './scenario-table.js'

/** Hard caps: a bench run is always bounded in time and size. */
export const MAX_DURATION_MS = 10 * 60_000
export const MAX_COUNT_PER_PUBLISHER = 10_000_000
export const MAX_CLIENTS = 100_000
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024
/** Unacknowledged QoS 1/2 publishes per publisher (and requests per requester). */
export const DEFAULT_INFLIGHT = 64
/** How long to wait after publishing stops for messages still on their way, once they stop arriving (ms). */
export const DEFAULT_DRAIN_QUIET_MS = 2000
/**
 * Deliveries published but not yet received, across the run, before publishers
 * pause (fanin/fanout at full speed): enough to keep the broker busy (~0.1-0.2 s
 * of work), small enough that the run measures steady throughput rather than
 * how fast a broker can queue seconds of backlog.
 */
export const MAX_BACKLOG_DELIVERIES = 20_000
/** Connection attempts in flight at once per worker while setting up clients (not for `conn`, which uses --rate). */
export const SETUP_CONCURRENCY = 200

export interface BenchPlan {
  scenario: ScenarioName
  connect: ConnectOptions
  /**
   * Other nodes of the same cluster. Clients are dealt over [connect, ...nodes]:
   * subscriber i to node i mod n, publisher j to node (j + 1) mod n, so with
   * two nodes the first publisher and the first subscriber sit on different
   * nodes and messages must cross the cluster.
   */
  nodes: ConnectOptions[]
  runId: number
  /** Every topic of the run lives under this prefix (siar-bench/<run id>). */
  topicPrefix: string
  /** `sub`: the filter to subscribe to (other runs' messages are counted). */
  subscribeFilter: string
  clientIdPrefix: string
  publishers: number
  subscribers: number
  connections: number
  /** Messages (conn: connects) per second across all clients; 0 = unlimited. */
  rate: number
  qos: QoS
  payloadBytes: number
  /** Set when neither --count nor --duration caps it tighter: always ≤ MAX_DURATION_MS. */
  durationMs: number
  countPerPublisher?: number
  inflight: number
  workers: number
  /** conn: keep the connections open this long after the last one is up. */
  holdMs: number
  drainQuietMs: number
}

export interface PlanInput {
  scenario: ScenarioName
  connect: ConnectOptions
  nodes?: ConnectOptions[]
  publishers?: number
  subscribers?: number
  connections?: number
  rate?: number
  qos?: QoS
  payloadBytes?: number
  durationMs?: number
  count?: number
  inflight?: number
  workers?: number
  holdMs?: number
  drainQuietMs?: number
  topic?: string
  clientIdPrefix?: string
}

/** Turn flags into a complete plan; throws RangeError naming the bad value. */
export function createPlan (input: PlanInput): BenchPlan {
  const shape = SCENARIOS[input.scenario]
  const runId = randomBytes(4).readUInt32BE(0)
  const runHex = runId.toString(16).padStart(8, '0')
  const topicPrefix = `${input.topic ?? 'siar-bench'}/${runHex}`
  const plan: BenchPlan = {
    scenario: input.scenario,
    connect: input.connect,
    nodes: input.nodes ?? [],
    runId,
    topicPrefix,
    subscribeFilter: input.topic ?? 'siar-bench/#',
    clientIdPrefix: `${input.clientIdPrefix ?? 'sb'}${runHex}`,
    publishers: input.publishers ?? shape.publishers,
    subscribers: input.subscribers ?? shape.subscribers,
    connections: input.connections ?? shape.connections,
    rate: input.rate ?? shape.rate,
    qos: input.qos ?? shape.qos,
    payloadBytes: input.payloadBytes ?? shape.payloadBytes,
    durationMs: Math.min(input.durationMs ?? (input.count === undefined ? shape.durationSeconds * 1000 : MAX_DURATION_MS), MAX_DURATION_MS),
    // reqres defaults to one request in flight per requester: a ping-pong round trip.
    inflight: input.inflight ?? (input.scenario === 'reqres' ? 1 : DEFAULT_INFLIGHT),
    workers: 1,
    holdMs: input.holdMs ?? 0,
    drainQuietMs: input.drainQuietMs ?? DEFAULT_DRAIN_QUIET_MS
  }
  if (input.count !== undefined) plan.countPerPublisher = input.count
  check(plan)
  plan.workers = Math.max(1, Math.min(input.workers ?? availableParallelism(), clientCount(plan)))
  return plan
}

export function clientCount (plan: BenchPlan): number {
  return plan.scenario === 'conn' ? plan.connections : plan.publishers + plan.subscribers
}

function check (plan: BenchPlan): void {
  const bad = (what: string): never => { throw new RangeError(what) }
  if (plan.payloadBytes < BENCH_HEADER_BYTES || plan.payloadBytes > MAX_PAYLOAD_BYTES) bad(`payload size must be ${BENCH_HEADER_BYTES}..${MAX_PAYLOAD_BYTES} bytes (the bench header takes ${BENCH_HEADER_BYTES}), got ${plan.payloadBytes}`)
  if (plan.durationMs <= 0) bad('duration must be more than 0 seconds')
  if (plan.countPerPublisher !== undefined && (plan.countPerPublisher < 1 || plan.countPerPublisher > MAX_COUNT_PER_PUBLISHER)) bad(`count must be 1..${MAX_COUNT_PER_PUBLISHER} messages per publisher`)
  if (clientCount(plan) > MAX_CLIENTS) bad(`at most ${MAX_CLIENTS} clients per run`)
  if (plan.inflight < 1) bad('inflight must be at least 1')
  const needs: Record<ScenarioName, () => void> = {
    conn: () => { if (plan.connections < 1) bad('conn needs at least 1 connection (-n)') },
    pub: () => { if (plan.publishers < 1) bad('pub needs at least 1 publisher (-c)') },
    sub: () => { if (plan.subscribers < 1) bad('sub needs at least 1 subscriber (-S)') },
    fanin: () => { if (plan.publishers < 1 || plan.subscribers < 1) bad('fanin needs publishers and a subscriber') },
    fanout: () => { if (plan.publishers < 1 || plan.subscribers < 1) bad('fanout needs a publisher and subscribers') },
    latency: () => { if (plan.publishers < 1 || plan.subscribers < 1 || plan.rate <= 0) bad('latency needs publishers, subscribers and a fixed --rate') },
    reqres: () => { if (plan.publishers < 1 || plan.subscribers < 1) bad('reqres needs requesters (-c) and responders (-S)') }
  }
  needs[plan.scenario]()
}

/** Which clients each worker thread runs. */
export interface WorkerShare {
  publisherIds: number[]
  subscriberIds: number[]
  connectionIds: number[]
}

/**
 * Spread clients over workers. Subscribers get workers of their own when there
 * are fewer of them than workers (fan-in's one subscriber receives as much as all
 * publishers send together); otherwise everyone is dealt round-robin, publishers
 * from the last worker down so they land away from the first subscribers.
 */
export function shareClients (plan: BenchPlan): WorkerShare[] {
  const w = plan.workers
  const shares: WorkerShare[] = Array.from({ length: w }, () => ({ publisherIds: [], subscriberIds: [], connectionIds: [] }))
  const at = (i: number): WorkerShare => shares[i % w] as WorkerShare
  if (plan.scenario === 'conn') {
    for (let i = 0; i < plan.connections; i++) at(i).connectionIds.push(i)
    return shares
  }
  const dedicated = plan.publishers > 0 && plan.subscribers > 0 && plan.subscribers < w
  for (let i = 0; i < plan.subscribers; i++) at(dedicated ? i % plan.subscribers : i).subscriberIds.push(i)
  for (let i = 0; i < plan.publishers; i++) {
    const slot = dedicated ? plan.subscribers + (i % (w - plan.subscribers)) : w - 1 - (i % w)
    at(slot).publisherIds.push(i)
  }
  return shares
}

/** Where publisher `id` sends: fan-in and latency publishers each on their own topic under one wildcard. */
export function publishTopic (plan: BenchPlan, id: number): string {
  if (plan.scenario === 'reqres') return `${plan.topicPrefix}/req`
  if (plan.scenario === 'fanin' || plan.scenario === 'latency' || plan.scenario === 'pub') return `${plan.topicPrefix}/${plan.scenario}/${id}`
  return `${plan.topicPrefix}/${plan.scenario}`
}

/** Where a client connects: see BenchPlan.nodes. */
export function nodeOf (plan: BenchPlan, role: 'p' | 's' | 'c', id: number): ConnectOptions {
  const all = [plan.connect, ...plan.nodes]
  const index = (role === 'p' ? id + 1 : id) % all.length
  return all[index] as ConnectOptions
}
