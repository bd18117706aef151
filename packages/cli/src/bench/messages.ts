import type { HistogramSnapshot } from './histogram.js'
import type { BenchPlan, WorkerShare } from './plan.js'

/** What a worker thread is started with (workerData). */
export interface WorkerInit {
  index: number
  plan: BenchPlan
  share: WorkerShare
  /** Float64 [sent, received] per worker, each slot written only by its worker: the live backlog. */
  counters: SharedArrayBuffer
}

/** Coordinator → worker. */
export type ToWorker =
  | { type: 'setup' }
  | { type: 'start', t0Us: number }
  | { type: 'stop' }
  | { type: 'finish' }

export interface ProgressCounts {
  sent: number
  received: number
  connected: number
  failures: number
}

/** Worker → coordinator. */
export type FromWorker =
  | { type: 'loaded' }
  | { type: 'ready', connected: number, failures: number, firstError?: string }
  | ({ type: 'progress' } & ProgressCounts)
  /** Every publisher of this worker reached --count. */
  | { type: 'done' }
  | { type: 'published', sentByPublisher: Record<number, number> }
  | { type: 'final', stats: WorkerStats }

export interface WorkerStats {
  sentByPublisher: Record<number, number>
  /** QoS 1/2 publishes the broker acknowledged (PUBACK / PUBCOMP). */
  acked: number
  publishErrors: number
  firstPublishError?: string
  /** Deliveries of this run's messages, duplicates included. */
  received: number
  unique: number
  duplicates: number
  foreign: number
  /** Σ over receivers and publishers of (highest sequence number seen + 1): `sub` estimates loss from the gaps. */
  seenUpTo: number
  /** reqres: responses whose correlation data did not match the request. */
  correlationMismatches: number
  /** reqres: requests the responders answered. */
  requestsHandled: number
  /** Latency from the scheduled send time (coordinated-omission corrected). */
  latency: HistogramSnapshot
  /** Latency from the actual send time. */
  latencyFromSend: HistogramSnapshot
  /** Time from starting to connect to CONNACK. */
  connect: HistogramSnapshot
  connected: number
  failures: number
  firstError?: string
  firstReceiveUs: number
  lastReceiveUs: number
  /** CPU this worker thread used from start to finish, ms (Linux; -1 elsewhere). */
  threadCpuMs: number
}
