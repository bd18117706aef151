import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { BrokerStats } from './stats.js'
import { createLatencyHistogram, type LatencyHistogram } from './latency-histogram.js'

/** Node-internal latency is sub-millisecond when healthy; the top buckets catch stalls. */
export const DELIVERY_LATENCY_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/** What the collectors read at scrape time. Everything is computed then, not per message. */
export interface MetricSources {
  stats: BrokerStats
  connectedClients: () => number
  /** Subscriptions of clients connected to this node. */
  subscriptions: () => number
  /** Retained messages and persistent-session subscriptions in the store (shared by all nodes in a cluster). */
  store: () => Promise<{ retained: number, storedSubscriptions: number }>
  offlineQueued: () => number
  bytes: () => { in: number, out: number }
  ready: () => boolean
  memoryLimitBytes: number
  version: string
  aedesVersion: string
}

type Record_ = Record<string, number>

function counterFromRecord (registry: Registry, name: string, help: string, label: string, read: () => Record_): void {
  new Counter({
    name, help, labelNames: [label], registers: [registry],
    collect () {
      this.reset()
      for (const [value, count] of Object.entries(read())) this.inc({ [label]: value }, count)
    }
  })
}

function counter (registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({ name, help, registers: [registry], collect () { this.reset(); this.inc(read()) } })
}

function gauge (registry: Registry, name: string, help: string, read: () => number | Promise<number>): void {
  new Gauge({ name, help, registers: [registry], async collect () { this.set(await read()) } })
}

const byQos = (values: readonly number[]): Record_ => ({ 0: values[0] ?? 0, 1: values[1] ?? 0, 2: values[2] ?? 0 })

let processRegistry: Registry | undefined

/**
 * The Node.js process metrics (CPU, memory, event-loop lag, GC), one registry
 * per process however many brokers it runs: they describe the process, and
 * prom-client's collectors (an event-loop delay monitor, a GC observer) cannot
 * be stopped, so one set is created, on first use.
 */
export function getProcessRegistry (): Registry {
  if (processRegistry) return processRegistry
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'siar_' })
  // prom-client names three gauges `*_total`, which `promtool check metrics`
  // rejects (only counters end in _total); the per-type series of the same
  // figures (siar_nodejs_active_handles{type=...} etc.) stay.
  for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) {
    registry.removeSingleMetric(`siar_nodejs_${name}`)
  }
  processRegistry = registry
  return registry
}

/**
 * Define siar's metrics on a per-broker registry (never the global one: two
 * brokers in one process must not share series). Returns the histogram the
 * delivery path observes into (plain arrays, read at scrape time).
 */
export function registerBrokerMetrics (registry: Registry, src: MetricSources): LatencyHistogram {
  const { stats } = src
  gauge(registry, 'siar_ready', '1 when this node is ready for traffic (/readyz would answer 200), else 0', () => (src.ready() ? 1 : 0))
  new Gauge({
    name: 'siar_build_info', help: 'Always 1; labels carry the siar and aedes versions', labelNames: ['version', 'aedes_version'], registers: [registry],
    collect () { this.set({ version: src.version, aedes_version: src.aedesVersion }, 1) }
  })
  gauge(registry, 'siar_memory_limit_bytes', 'Memory limit of this process: the cgroup limit when set, else the machine memory', () => src.memoryLimitBytes)

  gauge(registry, 'siar_clients_connected', 'MQTT clients connected to this node (CONNACK sent)', src.connectedClients)
  gauge(registry, 'siar_sessions_disconnected', 'Persistent sessions last seen on this node whose client is not connected', () => stats.disconnectedSessions.size)
  counter(registry, 'siar_sessions_expired_total', 'MQTT 5 sessions removed because their Session Expiry Interval elapsed', () => stats.sessionsExpired)
  counterFromRecord(registry, 'siar_connections_accepted_total', 'Network connections handed to the MQTT engine, by transport', 'transport', () => stats.connectionsAccepted)
  counterFromRecord(registry, 'siar_connections_closed_total', 'Network connections closed, by why they ended', 'reason', () => stats.connectionsClosed)
  counterFromRecord(registry, 'siar_auth_failures_total', 'CONNECTs refused by authentication, by reason', 'reason', () => stats.authFailures)
  counterFromRecord(registry, 'siar_authz_failures_total', 'Operations refused by authorization (ACL), by action', 'action', () => stats.authzFailures)
  counterFromRecord(registry, 'siar_limit_hits_total', 'Times a configured limit refused or cut something, by limit', 'limit', () => stats.limitHits)

  counterFromRecord(registry, 'siar_publish_received_total', 'PUBLISH packets accepted from clients, by QoS', 'qos', () => byQos(stats.publishReceived))
  counterFromRecord(registry, 'siar_publish_delivered_total', 'PUBLISH packets handed to subscriber connections, by the QoS sent', 'qos', () => byQos(stats.publishDelivered))
  counterFromRecord(registry, 'siar_messages_dropped_total', 'Messages not delivered, by reason', 'reason', () => stats.dropped)
  gauge(registry, 'siar_inflight_messages', 'QoS 1/2 PUBLISH sent to clients of this node and not yet acknowledged', () => stats.inflight)
  gauge(registry, 'siar_offline_queued_messages', 'QoS 1/2 messages queued on this node for persistent sessions whose client is offline', src.offlineQueued)
  gauge(registry, 'siar_subscriptions', 'Subscriptions of clients connected to this node', src.subscriptions)
  gauge(registry, 'siar_stored_subscriptions', 'Subscriptions of persistent sessions in the session store (cluster-wide in cluster mode)', async () => (await src.store()).storedSubscriptions)
  gauge(registry, 'siar_retained_messages', 'Retained messages in the store (cluster-wide in cluster mode)', async () => (await src.store()).retained)

  counter(registry, 'siar_network_received_bytes_total', 'Bytes read from client sockets (MQTT, WebSocket framing included)', () => src.bytes().in)
  counter(registry, 'siar_network_sent_bytes_total', 'Bytes written to client sockets (MQTT, WebSocket framing included)', () => src.bytes().out)

  return createLatencyHistogram({
    name: 'siar_delivery_latency_seconds',
    help: 'Time a message spends inside this node, from PUBLISH accepted to handed to the subscriber connection; a sample of messages (1 in 16) is timed',
    buckets: DELIVERY_LATENCY_BUCKETS_SECONDS,
    registry
  })
}
