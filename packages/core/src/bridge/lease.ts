import { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import type { Redis } from 'ioredis'
import type { Logger } from '../logger.js'

export interface LeaseEvents {
  /** Held (may publish) or not; emitted on every change. */
  change: [held: boolean]
}

/**
 * Who runs a bridge. `valid()` is checked before every remote publish: it is a
 * clock comparison, no round trip. `fence` is the value stored in Redis
 * (`<nodeId>#<token>`, token from INCR per acquisition); buffer removals are
 * refused unless it is still the stored one.
 */
export interface BridgeLease {
  valid: () => boolean
  readonly fence: string
  readonly events: EventEmitter<LeaseEvents>
  stop: () => Promise<void>
}

/** Single node: this node always runs its bridges. */
export function createLocalLease (): BridgeLease {
  const events = new EventEmitter<LeaseEvents>()
  setImmediate(() => events.emit('change', true))
  return { valid: () => true, fence: 'local', events, stop: async () => {} }
}

// Take the lease when nobody holds it, or when this node's own earlier
// acquisition is still there (it gave up locally after a late renewal, or it
// restarted): each acquisition gets a new token, so the old one is fenced off.
const ACQUIRE_SCRIPT = `local holder = redis.call('GET', KEYS[1])
if holder and string.sub(holder, 1, #ARGV[1] + 1) ~= ARGV[1] .. '#' then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '#' .. token, 'PX', tonumber(ARGV[2]))
return token`
const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2])) end
return 0`
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

interface LeaseCommands {
  siarLeaseAcquire: (key: string, fenceKey: string, nodeId: string, ttlMs: number) => Promise<number>
  siarLeaseRenew: (key: string, value: string, ttlMs: number) => Promise<number>
  siarLeaseRelease: (key: string, value: string) => Promise<number>
}

export interface RedisLeaseOptions {
  db: Redis
  keys: { lease: string, fence: string }
  nodeId: string
  ttlMs: number
  log: Logger
}

/**
 * Cluster mode: SET NX PX with the node id. The holder renews every third of
 * the TTL; the others try to take it just as often, so a dead holder is
 * replaced within ttlMs + ttlMs/3. The holder's own deadline is measured from
 * *before* each successful command was sent, so it ends no later than the key
 * in Redis does: a holder paused (GC, SIGSTOP, a slow VM) past its deadline
 * finds `valid()` false when it wakes, before it publishes anything.
 */
export function createRedisLease (opts: RedisLeaseOptions): BridgeLease {
  const { db, keys, nodeId, ttlMs, log } = opts
  const commands = db as unknown as Redis & LeaseCommands
  if (typeof commands.siarLeaseAcquire !== 'function') {
    db.defineCommand('siarLeaseAcquire', { numberOfKeys: 2, lua: ACQUIRE_SCRIPT })
    db.defineCommand('siarLeaseRenew', { numberOfKeys: 1, lua: RENEW_SCRIPT })
    db.defineCommand('siarLeaseRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT })
  }
  const events = new EventEmitter<LeaseEvents>()
  const periodMs = Math.max(200, Math.floor(ttlMs / 3))
  let fence = ''
  let deadline = 0
  let held = false
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let expiry: NodeJS.Timeout | undefined

  const setHeld = (next: boolean): void => {
    if (held === next) return
    held = next
    if (!next) fence = ''
    events.emit('change', next)
  }
  const extend = (sentAt: number): void => {
    deadline = sentAt + ttlMs
    clearTimeout(expiry)
    // Nobody confirmed the lease in time: stop publishing even if Redis is silent.
    expiry = setTimeout(() => { if (performance.now() >= deadline) setHeld(false) }, Math.max(0, deadline - performance.now()) + 1)
    expiry.unref()
  }

  async function tick (): Promise<void> {
    const sentAt = performance.now()
    try {
      if (held) {
        const ok = await commands.siarLeaseRenew(keys.lease, fence, ttlMs)
        if (ok === 1 && performance.now() < sentAt + ttlMs) extend(sentAt)
        else if (ok !== 1) {
          log.warn({ nodeId }, 'bridge lease lost to another node')
          setHeld(false)
        }
      } else {
        const token = await commands.siarLeaseAcquire(keys.lease, keys.fence, nodeId, ttlMs)
        if (token > 0 && !stopped) {
          fence = `${nodeId}#${token}`
          extend(sentAt)
          setHeld(true)
        }
      }
    } catch (err) {
      // Redis away: keep the lease until its deadline, then the expiry timer gives it up.
      log.debug({ err: (err as Error).message }, 'bridge lease not renewed')
    }
  }
  const loop = (): void => {
    if (stopped) return
    tick().finally(() => {
      if (stopped) return
      timer = setTimeout(loop, periodMs)
      timer.unref()
    })
  }
  loop()

  return {
    valid: () => held && performance.now() < deadline,
    get fence () { return fence },
    events,
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      clearTimeout(expiry)
      const value = fence
      setHeld(false)
      // Leaving on purpose: hand over now instead of after the TTL.
      if (value) await commands.siarLeaseRelease(keys.lease, value).catch(() => {})
    }
  }
}
