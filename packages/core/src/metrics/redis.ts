import { performance } from 'node:perf_hooks'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** Redis round trips on a LAN are ~0.2–2 ms; the top buckets catch a failing server. */
export const REDIS_LATENCY_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/** What a Redis connection is for; a closed set so it can be a label. */
export const REDIS_ROLES = ['persistence', 'pubsub_publish', 'pubsub_subscribe', 'other'] as const
export type RedisRole = (typeof REDIS_ROLES)[number]

/** The ioredis surface we use (Redis or Cluster). */
export interface InstrumentableRedis {
  status: string
  on: (event: string, listener: (...args: any[]) => void) => unknown
  sendCommand: (command: any, stream?: any) => unknown
}

export interface RedisMetrics {
  instrument: (client: InstrumentableRedis, role: RedisRole) => void
  /**
   * An mqemitter-redis instance: its two connections (pubsub_publish,
   * pubsub_subscribe) and every message it publishes to or receives from Redis.
   */
  instrumentMq: (mq: any) => void
  backplaneMessage: (direction: 'in' | 'out', count: number) => void
}

/**
 * Redis metrics, registered on the broker's registry the first time a Redis
 * client is instrumented, so a broker without Redis shows none of them.
 */
export function createRedisMetrics (registry: Registry): RedisMetrics {
  const clients = new Set<{ client: InstrumentableRedis, role: RedisRole }>()
  // Plain numbers on the message path; the counter reads them at scrape time.
  const backplaneCount = { in: 0, out: 0 }
  let defined: { latency: Histogram<'role'>, reconnects: Counter<'role'> } | undefined

  function define (): NonNullable<typeof defined> {
    if (defined) return defined
    new Gauge({
      name: 'siar_redis_connected',
      help: '1 when every Redis connection of this role is ready, else 0',
      labelNames: ['role'],
      registers: [registry],
      collect () {
        const byRole = new Map<RedisRole, number>()
        for (const { client, role } of clients) byRole.set(role, Math.min(byRole.get(role) ?? 1, client.status === 'ready' ? 1 : 0))
        for (const [role, value] of byRole) this.set({ role }, value)
      }
    })
    const latency = new Histogram({
      name: 'siar_redis_command_duration_seconds',
      help: 'Time from sending a Redis command to its reply (queueing while disconnected included)',
      labelNames: ['role'],
      buckets: REDIS_LATENCY_BUCKETS_SECONDS,
      registers: [registry]
    })
    const reconnects = new Counter({ name: 'siar_redis_reconnects_total', help: 'Times a Redis connection started reconnecting', labelNames: ['role'], registers: [registry] })
    new Counter({
      name: 'siar_backplane_messages_total',
      help: 'Messages exchanged with other nodes through the Redis backplane, by direction',
      labelNames: ['direction'],
      registers: [registry],
      collect () {
        this.reset()
        this.inc({ direction: 'in' }, backplaneCount.in)
        this.inc({ direction: 'out' }, backplaneCount.out)
      }
    })
    defined = { latency, reconnects }
    return defined
  }

  function instrument (client: InstrumentableRedis, role: RedisRole): void {
    const { latency, reconnects } = define()
    clients.add({ client, role })
    reconnects.inc({ role }, 0)

    const observe = latency.labels({ role })
    const send = client.sendCommand.bind(client)
    // At most one command per connection is timed at a time: an idle or lightly
    // used connection has every command timed, a busy one (a PUBLISH per message
    // on the backplane) about one per round trip, which keeps the distribution
    // without a clock read, a closure and a promise reaction on every command.
    let timing = false
    let start = 0
    client.on('reconnecting', () => {
      reconnects.inc({ role })
      timing = false // a command lost with the connection must not stop the timing for good
    })
    const done = (): void => {
      timing = false
      observe.observe((performance.now() - start) / 1000)
    }
    client.sendCommand = (command: any, stream?: any) => {
      if (!timing && command?.promise?.then) {
        timing = true
        start = performance.now()
        command.promise.then(done, done)
      }
      return send(command, stream)
    }
  }

  function instrumentMq (mq: any): void {
    define()
    if (mq.pubConn) instrument(mq.pubConn, 'pubsub_publish')
    if (mq.subConn) {
      instrument(mq.subConn, 'pubsub_subscribe')
      const received = (): void => { backplaneCount.in++ }
      mq.subConn.on('messageBuffer', received)
      mq.subConn.on('pmessageBuffer', received)
    }
    // aedes calls broker.mq.emit(packet, done) for every message it routes.
    const emit = mq.emit
    mq.emit = function countedEmit (this: unknown, msg: unknown, done?: unknown) {
      backplaneCount.out++
      return emit.call(this, msg, done)
    }
  }

  return {
    instrument,
    instrumentMq,
    backplaneMessage: (direction, count) => {
      define()
      backplaneCount[direction] += count
    }
  }
}
