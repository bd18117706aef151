/**
 * Mosquitto-style load figures: an exponentially weighted moving average of a
 * rate, in events per minute, over 1, 5 and 15 minute windows. Fed with the
 * running total at each $SYS tick; the first tick only sets the baseline.
 */
export const LOAD_WINDOWS = [
  { name: '1min', seconds: 60 },
  { name: '5min', seconds: 300 },
  { name: '15min', seconds: 900 }
] as const

export interface LoadAverage {
  /** Feed the running total observed at `nowMs`. */
  update: (total: number, nowMs: number) => void
  /** Per-minute averages keyed 1min, 5min, 15min. */
  values: () => Record<(typeof LOAD_WINDOWS)[number]['name'], number>
}

export function createLoadAverage (): LoadAverage {
  const averages = [0, 0, 0]
  let lastTotal: number | undefined
  let lastAtMs = 0

  return {
    update (total, nowMs) {
      if (lastTotal !== undefined && nowMs > lastAtMs) {
        const dtSeconds = (nowMs - lastAtMs) / 1000
        const perMinute = ((total - lastTotal) / dtSeconds) * 60
        LOAD_WINDOWS.forEach((w, i) => {
          const decay = Math.exp(-dtSeconds / w.seconds)
          averages[i] = perMinute + decay * ((averages[i] as number) - perMinute)
        })
      }
      lastTotal = total
      lastAtMs = nowMs
    },
    values: () => ({ '1min': averages[0] as number, '5min': averages[1] as number, '15min': averages[2] as number })
  }
}
