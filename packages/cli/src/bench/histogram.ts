/**
 * A latency histogram in microseconds with bounded relative error (about 1/64,
 * ~1.6 %) and fixed memory: values are bucketed by power of two, each power
 * split into 64 linear sub-buckets. Mergeable across worker threads as plain
 * arrays, so percentiles are computed over every sample, not averaged.
 */
const SUB_BUCKET_BITS = 6
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS
/** 2^36 µs ≈ 19 hours: anything longer is clamped into the last bucket. */
const MAX_POWER = 36
const BUCKETS = (MAX_POWER - SUB_BUCKET_BITS + 2) * SUB_BUCKETS

export interface HistogramSnapshot {
  counts: number[]
  count: number
  sumUs: number
  minUs: number
  maxUs: number
}

export interface Percentiles {
  count: number
  minMs: number
  meanMs: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  p999Ms: number
  maxMs: number
}

export class Histogram {
  readonly counts = new Float64Array(BUCKETS)
  count = 0
  sumUs = 0
  minUs = Number.POSITIVE_INFINITY
  maxUs = 0

  record (valueUs: number): void {
    const v = valueUs < 0 ? 0 : valueUs
    const i = bucketOf(v)
    this.counts[i] = (this.counts[i] ?? 0) + 1
    this.count++
    this.sumUs += v
    if (v < this.minUs) this.minUs = v
    if (v > this.maxUs) this.maxUs = v
  }

  snapshot (): HistogramSnapshot {
    return { counts: Array.from(this.counts), count: this.count, sumUs: this.sumUs, minUs: this.minUs, maxUs: this.maxUs }
  }

  static merge (snapshots: readonly HistogramSnapshot[]): Histogram {
    const h = new Histogram()
    for (const s of snapshots) {
      for (let i = 0; i < s.counts.length; i++) h.counts[i] = (h.counts[i] ?? 0) + (s.counts[i] ?? 0)
      h.count += s.count
      h.sumUs += s.sumUs
      if (s.count > 0) {
        h.minUs = Math.min(h.minUs, s.minUs)
        h.maxUs = Math.max(h.maxUs, s.maxUs)
      }
    }
    return h
  }

  /** The value at quantile q (0..1), in µs: the upper edge of the bucket, clamped to the max seen. */
  valueAt (q: number): number {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] ?? 0
      if (seen >= rank) return Math.min(upperEdge(i), this.maxUs)
    }
    return this.maxUs
  }

  percentiles (): Percentiles {
    const ms = (us: number): number => Math.round(us) / 1000
    return {
      count: this.count,
      minMs: this.count ? ms(this.minUs) : 0,
      meanMs: this.count ? ms(this.sumUs / this.count) : 0,
      p50Ms: ms(this.valueAt(0.5)),
      p90Ms: ms(this.valueAt(0.9)),
      p99Ms: ms(this.valueAt(0.99)),
      p999Ms: ms(this.valueAt(0.999)),
      maxMs: ms(this.maxUs)
    }
  }
}

function bucketOf (v: number): number {
  const n = Math.floor(v)
  if (n < SUB_BUCKETS) return n
  const power = Math.min(n < 2 ** 31 ? 31 - Math.clz32(n) : Math.floor(Math.log2(n)), MAX_POWER)
  // n / 2^shift lands in [64, 128): 64 linear sub-buckets per power of two.
  const shift = power - SUB_BUCKET_BITS
  const sub = Math.min(Math.floor(n / 2 ** shift), 2 * SUB_BUCKETS - 1) - SUB_BUCKETS
  return (shift + 1) * SUB_BUCKETS + sub
}

function upperEdge (i: number): number {
  if (i < SUB_BUCKETS) return i + 1
  const shift = Math.floor(i / SUB_BUCKETS) - 1
  return (SUB_BUCKETS + (i % SUB_BUCKETS) + 1) * 2 ** shift
}
