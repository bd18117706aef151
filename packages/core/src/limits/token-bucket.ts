/**
 * A token bucket: `ratePerSecond` tokens a second, holding at most one
 * second's worth, so short bursts up to the rate pass and a sustained rate
 * above it does not. Time comes from a clock function so tests can drive it.
 */
export interface TokenBucket {
  /** Take one token; false when the bucket is empty. */
  take: () => boolean
  /** True when the bucket is full again (safe to forget). */
  full: () => boolean
}

export function createTokenBucket (ratePerSecond: number, now: () => number = Date.now): TokenBucket {
  let tokens = ratePerSecond
  let last = now()
  const refill = (): void => {
    const t = now()
    tokens = Math.min(ratePerSecond, tokens + ((t - last) / 1000) * ratePerSecond)
    last = t
  }
  return {
    take: () => {
      refill()
      if (tokens < 1) return false
      tokens -= 1
      return true
    },
    full: () => {
      refill()
      return tokens >= ratePerSecond
    }
  }
}
