import { readFileSync } from 'node:fs'
import { Redis, type RedisOptions } from 'ioredis'
import { ErrorCodes, SiarError } from '../errors.js'
import type { ResolvedBrokerOptions } from '../options.js'

type ClusterOptions = ResolvedBrokerOptions['cluster']

/** Reconnect backoff toward Redis: 100 ms doubling to 2 s, forever (a broker outlives Redis restarts). */
export const REDIS_RETRY_MAX_DELAY_MS = 2_000

/**
 * ioredis options from the cluster config: URL or Sentinel, password file,
 * TLS for rediss://. Commands fail fast while Redis is unreachable
 * (no offline queue): a publish that cannot be stored must not be acknowledged.
 */
export function redisOptionsFrom (cluster: ClusterOptions): RedisOptions {
  if (!cluster.redis && cluster.sentinels.length === 0) {
    throw new SiarError(ErrorCodes.CONFIG_INVALID, 'cluster.redis: a Redis URL or cluster.sentinels is needed for cluster mode')
  }
  const opts: RedisOptions = {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), REDIS_RETRY_MAX_DELAY_MS),
    // The broker publishes through auto-pipelining: many small PUBLISH/RPUSH become one write.
    enableAutoPipelining: true
  }
  if (cluster.redis) {
    const url = new URL(cluster.redis)
    opts.host = url.hostname.replace(/^\[|\]$/g, '')
    opts.port = url.port ? Number(url.port) : 6379
    if (url.username) opts.username = decodeURIComponent(url.username)
    if (url.password) opts.password = decodeURIComponent(url.password)
    const db = url.pathname.replace(/^\//, '')
    if (db) opts.db = Number(db)
    if (url.protocol === 'rediss:') opts.tls = { servername: opts.host }
  }
  if (cluster.redisPasswordFile) {
    try {
      opts.password = readFileSync(cluster.redisPasswordFile, 'utf8').trim()
    } catch (err) {
      throw new SiarError(ErrorCodes.CONFIG_FILE_UNREADABLE, `cluster.redisPasswordFile: cannot read ${cluster.redisPasswordFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err })
    }
  }
  if (cluster.sentinels.length > 0) {
    opts.sentinels = cluster.sentinels.map((hp) => {
      const i = hp.lastIndexOf(':')
      return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) }
    })
    opts.name = cluster.sentinelMasterName
    opts.sentinelRetryStrategy = (times) => Math.min(100 * 2 ** Math.min(times, 5), REDIS_RETRY_MAX_DELAY_MS)
    // After a failover the old primary may come back as a replica: reconnect on READONLY.
    opts.reconnectOnError = (err) => err.message.startsWith('READONLY')
    delete opts.host
    delete opts.port
  }
  return opts
}

/** Named `siar-<node>-<role>` so CLIENT LIST shows which node holds which connection (no spaces allowed). */
export function createRedisConnection (options: RedisOptions, role: string, nodeId?: string): Redis {
  const name = nodeId ? `siar-${nodeId.replace(/[^\w.:-]/g, '_')}-${role}` : `siar-${role}`
  return new Redis({ ...options, connectionName: name })
}

/** host:port (or the sentinel list) without credentials, for logs and the banner. */
export function describeRedisTarget (cluster: ClusterOptions): string {
  if (cluster.sentinels.length > 0) return `sentinel ${cluster.sentinelMasterName}@${cluster.sentinels.join(',')}`
  if (!cluster.redis) return 'none'
  const url = new URL(cluster.redis)
  return `${url.protocol}//${url.host}${url.pathname.length > 1 ? url.pathname : ''}`
}
