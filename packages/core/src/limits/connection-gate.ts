import { createTokenBucket, type TokenBucket } from './token-bucket.js'
import type { LimitName } from './limit-names.js'

export interface ConnectionGateOptions {
  /** 0 = no limit, for all three. */
  maxConnections: number
  maxConnectionsPerIp: number
  connectionRatePerIp: number
  onLimitHit: (limit: LimitName) => void
}

export interface ConnectionGate {
  /**
   * Decide on a new connection before any byte of it is parsed. Returns a
   * release function to call once when it closes, or undefined when it must
   * be refused (the caller destroys the socket: refusing before CONNECT keeps
   * a flood from costing parser or auth work).
   */
  admit: (remoteAddress: string | undefined) => (() => void) | undefined
  readonly open: number
  close: () => void
}

/** How often idle per-address state is swept, in ms. */
const SWEEP_INTERVAL_MS = 10_000

export function createConnectionGate (opts: ConnectionGateOptions): ConnectionGate {
  let open = 0
  const perIp = new Map<string, number>()
  const buckets = new Map<string, TokenBucket>()
  const sweep = setInterval(() => {
    for (const [ip, bucket] of buckets) if (bucket.full()) buckets.delete(ip)
  }, SWEEP_INTERVAL_MS)
  sweep.unref()

  function admit (remoteAddress: string | undefined): (() => void) | undefined {
    const ip = remoteAddress ?? 'unknown'
    if (opts.maxConnections > 0 && open >= opts.maxConnections) {
      opts.onLimitHit('max_connections')
      return undefined
    }
    const current = perIp.get(ip) ?? 0
    if (opts.maxConnectionsPerIp > 0 && current >= opts.maxConnectionsPerIp) {
      opts.onLimitHit('max_connections_per_ip')
      return undefined
    }
    if (opts.connectionRatePerIp > 0) {
      let bucket = buckets.get(ip)
      if (!bucket) {
        bucket = createTokenBucket(opts.connectionRatePerIp)
        buckets.set(ip, bucket)
      }
      if (!bucket.take()) {
        opts.onLimitHit('connection_rate_per_ip')
        return undefined
      }
    }
    open++
    perIp.set(ip, current + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      open--
      const left = (perIp.get(ip) ?? 1) - 1
      if (left <= 0) perIp.delete(ip)
      else perIp.set(ip, left)
    }
  }

  return {
    admit,
    get open () { return open },
    close: () => clearInterval(sweep)
  }
}
