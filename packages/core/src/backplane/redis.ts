import { EventEmitter } from 'node:events'
import type { Redis } from 'ioredis'
import AsyncRedisPersistence from 'aedes-persistence-redis/asyncPersistence.js'
import { ErrorCodes, SiarError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { ResolvedBrokerOptions } from '../options.js'
import { createRedisConnection, describeRedisTarget, redisOptionsFrom } from './redis-connection.js'
import { RedisEmitter } from './redis-emitter.js'
import { fixQos2OutgoingLeak } from './redis-outgoing-fix.js'
import { resyncSubscriptionIndex } from './subscription-resync.js'
import type { Backplane, BackplaneEvents, BackplaneStatus } from './types.js'

/** Longest shutdown waits for Redis to confirm QUIT (milliseconds). */
export const REDIS_QUIT_WAIT_MS = 1_000
/** How long start-up waits for Redis before giving up with a clear error. */
export const REDIS_STARTUP_TIMEOUT_MS = 15_000

export interface RedisBackplaneOptions {
  cluster: ResolvedBrokerOptions['cluster']
  nodeId: string
  logger: Logger
  concurrency?: number
  beforeRemoteDelivery?: (packet: any, next: () => void) => void
}

/**
 * Cluster mode: sessions, subscriptions, queues, retained messages and wills in
 * Redis (aedes-persistence-redis), routing through Redis pub/sub (RedisEmitter).
 * Three connections: commands, publish, subscribe (a subscribed connection can
 * do nothing else). Every key and channel carries the cluster's prefix.
 */
export async function createRedisBackplane (opts: RedisBackplaneOptions): Promise<Backplane> {
  const log = opts.logger
  const base = redisOptionsFrom(opts.cluster)
  const keyPrefix = opts.cluster.keyPrefix
  const target = describeRedisTarget(opts.cluster)
  const db = createRedisConnection({ ...base, keyPrefix }, 'db', opts.nodeId)
  const pub = createRedisConnection(base, 'pub', opts.nodeId)
  // Subscriptions are re-sent by ioredis after a reconnect; let them queue meanwhile.
  const sub = createRedisConnection({ ...base, enableOfflineQueue: true, maxRetriesPerRequest: null }, 'sub', opts.nodeId)
  const connections: Array<[string, Redis]> = [['db', db], ['pub', pub], ['sub', sub]]
  const events = new EventEmitter<BackplaneEvents>()

  let current: BackplaneStatus = { ok: false, detail: `connecting to Redis at ${target}` }
  let lastError = ''
  const evaluate = (): void => {
    const down = connections.filter(([, c]) => c.status !== 'ready').map(([name]) => name)
    const next: BackplaneStatus = down.length === 0
      ? { ok: true }
      : { ok: false, detail: `Redis at ${target} unreachable (${down.join(', ')} connection${down.length > 1 ? 's' : ''} down${lastError ? `: ${lastError}` : ''})` }
    if (next.ok === current.ok) return
    current = next
    // One line per state change, not per failed command.
    if (next.ok) log.info({ redis: target }, 'Redis reachable: storing and routing through it')
    else log.warn({ redis: target, reason: lastError }, 'Redis unreachable: not ready, QoS 1/2 publishes are refused until it returns')
    events.emit('status', next)
  }
  for (const [, conn] of connections) {
    conn.on('ready', evaluate)
    conn.on('close', evaluate)
    conn.on('end', evaluate)
    conn.on('error', (err: Error) => { lastError = err.message; evaluate() })
  }

  await waitUntilReady(connections, target, REDIS_STARTUP_TIMEOUT_MS, () => lastError)
  evaluate()

  const persistence = new AsyncRedisPersistence({ conn: db })
  fixQos2OutgoingLeak(persistence, db)
  const mq = new RedisEmitter({
    pub,
    sub,
    // Pub/sub channels are shared by every database of a Redis server; keys are not.
    // Clusters told apart only by /db would otherwise hear each other's messages.
    prefix: `${keyPrefix}${base.db ? `db${base.db}:` : ''}bus:`,
    nodeId: opts.nodeId,
    concurrency: opts.concurrency,
    beforeRemoteDelivery: opts.beforeRemoteDelivery
  })

  // The bus was down: subscriptions other nodes broadcast meanwhile never reached this node's index.
  let subWasReady = true
  sub.on('close', () => { subWasReady = false })
  sub.on('ready', () => {
    if (subWasReady) return
    subWasReady = true
    resyncSubscriptionIndex(db, mq, log).catch((err: Error) => {
      log.warn({ err: err.message }, 'could not re-read the subscription index; offline queues may miss sessions that subscribed while the bus was down')
    })
  })

  return {
    kind: 'redis',
    persistence,
    mq,
    status: () => current,
    events,
    redis: { db, pub, sub, keyPrefix },
    // The store's queue list for a session (aedes-persistence-redis: `outgoing:<encoded id>`).
    queueLength: async (clientId) => await db.llen(`outgoing:${encodeURIComponent(clientId)}`),
    close: async () => {
      // QUIT lets pending replies arrive; a Redis that is down would never answer
      // it (the subscriber connection queues it), so shutdown gives up after a second.
      await Promise.all(connections.map(async ([, c]) => {
        let timer: NodeJS.Timeout | undefined
        const gaveUp = new Promise<void>((resolve) => { timer = setTimeout(resolve, REDIS_QUIT_WAIT_MS) })
        try {
          await Promise.race([c.status === 'ready' ? c.quit() : Promise.resolve(), gaveUp])
        } catch { /* closing anyway */ } finally {
          clearTimeout(timer)
          c.disconnect()
        }
      }))
    }
  }
}

/** Redis refused the credentials: retrying cannot help, so start-up says so at once. */
const AUTH_REFUSED = /WRONGPASS|NOAUTH|invalid (username-)?password|NOPERM/i

async function waitUntilReady (connections: Array<[string, Redis]>, target: string, timeoutMs: number, lastError: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (connections.some(([, c]) => c.status !== 'ready')) {
    if (AUTH_REFUSED.test(lastError())) {
      for (const [, c] of connections) c.disconnect()
      throw new SiarError(ErrorCodes.REDIS_UNREACHABLE, `Redis at ${target} refused the credentials (${lastError()}); check the user and password in --redis or --redis-password-file`)
    }
    if (Date.now() > deadline) {
      for (const [, c] of connections) c.disconnect()
      const reason = lastError() || 'no answer'
      throw new SiarError(ErrorCodes.REDIS_UNREACHABLE, `cannot reach Redis at ${target} within ${timeoutMs / 1000} s (${reason}); check --redis and that Redis is running`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
