import type { Socket } from 'node:net'
import type { HttpHandler } from '../listeners/http.js'
import { Registry } from 'prom-client'
import type { LatencyHistogram } from './latency-histogram.js'
import { createBrokerStats, type BrokerStats } from './stats.js'
import { AUTHZ_ACTIONS, AUTH_FAILURE_REASONS, DROP_REASONS, LIMIT_NAMES, boundedLabel, type AuthFailureReason, type AuthzAction, type DropReason, type LimitLabel, type Transport } from './labels.js'
import { createDeliveryTracker } from './delivery-tracker.js'
import { createConnectionTracker } from './connection-tracker.js'
import { getProcessRegistry, registerBrokerMetrics } from './prometheus.js'
import { createRedisMetrics, type InstrumentableRedis, type RedisRole } from './redis.js'
import { createStoreStats, type StoreCounts } from './store-stats.js'
import { readMemoryLimitBytes } from './memory-limit.js'

export interface BrokerMetricsOptions {
  /** The aedes instance, after `listen()`. */
  aedes: any
  /** aedes persistence, for retained and stored-subscription counts. */
  persistence: any
  /** Count of no_subscribers drops is only meaningful when routing is local (memory backplane). */
  localRouting: boolean
  ready: () => boolean
  offlineQueued: () => number
  version: string
  aedesVersion: string
}

/**
 * The recorder API other parts of siar call. Every method is cheap (a field
 * increment) and takes only bounded values: unknown reasons count as `other`.
 */
export interface MetricsRecorder {
  /** A CONNECT was refused by authentication. */
  authFailure: (reason: AuthFailureReason | string) => void
  /** A publish, subscribe or delivery was refused by the ACL. */
  authzFailure: (action: AuthzAction | string) => void
  /** A configured limit refused or cut something. */
  limitHit: (limit: LimitLabel | string) => void
  /** Messages that will not be delivered. */
  messageDropped: (reason: DropReason | string, count?: number) => void
  /** Call once per ioredis client siar creates; registers the siar_redis_* metrics. */
  instrumentRedisClient: (client: InstrumentableRedis, role: RedisRole) => void
  /**
   * An mqemitter-redis instance (the cluster message bus): instruments its
   * publish and subscribe connections and counts siar_backplane_messages_total.
   */
  instrumentRedisMq: (mq: any) => void
  /** Messages sent to / received from other nodes through the Redis backplane, for a bus that is not mqemitter-redis. */
  backplaneMessage: (direction: 'in' | 'out', count?: number) => void
}

export interface BrokerMetrics extends MetricsRecorder {
  readonly registry: Registry
  readonly stats: BrokerStats
  /** Call with what `aedes.handle()` returned and the network socket under it. */
  trackConnection: (client: any, socket: Socket, transport: Transport) => void
  bytes: () => { in: number, out: number }
  subscriptions: () => number
  store: () => Promise<StoreCounts>
  /** The Prometheus text exposition. */
  scrape: () => Promise<string>
  readonly contentType: string
  /** GET /metrics. */
  handle: HttpHandler
  close: () => void
}

export function createBrokerMetrics (opts: BrokerMetricsOptions): BrokerMetrics {
  const { aedes } = opts
  const stats = createBrokerStats()
  const registry = new Registry()
  const processRegistry = getProcessRegistry()
  // The broker's own series, then the process's (shared by every broker in it).
  const scrape = async (): Promise<string> => {
    const own = await registry.metrics()
    return `${own}${own.endsWith('\n') ? '' : '\n'}${await processRegistry.metrics()}`
  }
  let latency: LatencyHistogram | undefined

  const delivery = createDeliveryTracker({
    aedes,
    stats,
    observeLatencySeconds: (s) => latency?.observe(s),
    stateOf: (client) => stateOf(client)
  })
  const connections = createConnectionTracker(aedes, stats, delivery)
  const stateOf = connections.stateOf
  const store = createStoreStats(opts.persistence)

  // aedes fires 'publish' once per message after routing it. client is null
  // for what the broker publishes itself ($SYS); a will counts as its client's.
  const onPublish = (packet: any, client: any): void => {
    if (client) stats.publishReceived[packet.qos as 0 | 1 | 2]++
  }
  aedes.on('publish', onPublish)

  // With local routing, mqemitter matches each message exactly once; an empty
  // match for a user topic means no subscriber on any node can get it.
  const matcher = opts.aedes.mq?._matcher
  if (opts.localRouting && typeof matcher?.match === 'function') {
    const match = matcher.match.bind(matcher)
    matcher.match = (topic: string) => {
      const found = match(topic)
      if (found.length === 0 && topic.charCodeAt(0) !== 36 /* $ */) stats.dropped.no_subscribers++
      return found
    }
  }

  const subscriptions = (): number => {
    let count = 0
    for (const id in aedes.clients) count += Object.keys(aedes.clients[id].subscriptions).length
    return count
  }

  latency = registerBrokerMetrics(registry, {
    stats,
    connectedClients: () => aedes.connectedClients,
    subscriptions,
    store,
    offlineQueued: opts.offlineQueued,
    bytes: connections.bytes,
    ready: opts.ready,
    memoryLimitBytes: readMemoryLimitBytes(),
    version: opts.version,
    aedesVersion: opts.aedesVersion
  })
  const redis = createRedisMetrics(registry)

  return {
    registry,
    stats,
    contentType: registry.contentType,
    trackConnection: connections.track,
    bytes: connections.bytes,
    subscriptions,
    store,
    scrape,
    handle: async (_req, res) => {
      const body = await scrape()
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' })
      res.end(body)
    },
    authFailure: (reason) => { stats.authFailures[boundedLabel(AUTH_FAILURE_REASONS, reason)]++ },
    authzFailure: (action) => { stats.authzFailures[boundedLabel(AUTHZ_ACTIONS, action)]++ },
    limitHit: (limit) => { stats.limitHits[boundedLabel(LIMIT_NAMES, limit)]++ },
    messageDropped: (reason, count = 1) => { stats.dropped[boundedLabel(DROP_REASONS, reason)] += count },
    instrumentRedisClient: redis.instrument,
    instrumentRedisMq: redis.instrumentMq,
    backplaneMessage: (direction, count = 1) => redis.backplaneMessage(direction, count),
    close: () => {
      connections.detach()
      aedes.off('publish', onPublish)
    }
  }
}
