/** How a client reconnects after losing its connection. */
export interface ReconnectOptions {
  /** Delay before the first attempt, in ms (default 500). */
  initialDelayMs?: number
  /** Upper bound of any delay, in ms (default 30 000). */
  maxDelayMs?: number
  /** Each attempt's base delay is the previous one times this (default 2). */
  factor?: number
  /**
   * Fraction of the delay that is random (default 0.5): the delay is drawn from
   * [base·(1−jitter), base]. Jitter spreads out the reconnect storm when a
   * broker restarts under thousands of clients; 0 turns it off.
   */
  jitter?: number
  /** Give up after this many failed attempts in a row (default: never). */
  maxAttempts?: number
}

export type ResolvedReconnectOptions = Required<ReconnectOptions>

export const DEFAULT_RECONNECT_INITIAL_DELAY_MS = 500
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 30_000
export const DEFAULT_RECONNECT_FACTOR = 2
export const DEFAULT_RECONNECT_JITTER = 0.5

/** `false` → null (reconnect off); `true`/undefined → defaults. */
export function resolveReconnect (input: boolean | ReconnectOptions | undefined): ResolvedReconnectOptions | null {
  if (input === false) return null
  const o = input === true || input === undefined ? {} : input
  const resolved: ResolvedReconnectOptions = {
    initialDelayMs: o.initialDelayMs ?? DEFAULT_RECONNECT_INITIAL_DELAY_MS,
    maxDelayMs: o.maxDelayMs ?? DEFAULT_RECONNECT_MAX_DELAY_MS,
    factor: o.factor ?? DEFAULT_RECONNECT_FACTOR,
    jitter: o.jitter ?? DEFAULT_RECONNECT_JITTER,
    maxAttempts: o.maxAttempts ?? Infinity
  }
  if (!(resolved.initialDelayMs >= 0) || !(resolved.maxDelayMs >= resolved.initialDelayMs)) {
    throw new RangeError(`reconnect: need 0 <= initialDelayMs <= maxDelayMs, got ${resolved.initialDelayMs} and ${resolved.maxDelayMs}`)
  }
  if (!(resolved.factor >= 1)) throw new RangeError(`reconnect.factor must be >= 1, got ${resolved.factor}`)
  if (!(resolved.jitter >= 0 && resolved.jitter <= 1)) throw new RangeError(`reconnect.jitter must be from 0 to 1, got ${resolved.jitter}`)
  if (!(resolved.maxAttempts >= 1)) throw new RangeError(`reconnect.maxAttempts must be >= 1, got ${resolved.maxAttempts}`)
  return resolved
}

/** Delay in ms before attempt `attempt` (1-based). `random` is injectable for tests. */
export function backoffDelayMs (attempt: number, options: ResolvedReconnectOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** Math.max(0, attempt - 1))
  return Math.round(base * (1 - options.jitter * random()))
}
