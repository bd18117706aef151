import type { Registry } from 'prom-client'

/**
 * A label-less Prometheus histogram whose hot path is two array writes.
 *
 * prom-client's Histogram.observe hashes a label object, looks up its value
 * map and walks the bounds on every call (about 0.5 µs, the largest single
 * item siar added to a delivery). Here `observe` only bumps a Float64Array
 * slot and a sum; the registry reads the cumulative buckets when it is
 * scraped, through the same `get()` shape prom-client's own metrics return.
 */
export interface LatencyHistogram {
  /** Record one value, in seconds. */
  observe: (seconds: number) => void
}

export interface LatencyHistogramOptions {
  name: string
  help: string
  /** Upper bounds in seconds, ascending; +Inf is added. */
  buckets: readonly number[]
  registry: Registry
}

interface Sample { value: number, labels: Record<string, string | number>, metricName: string }

export function createLatencyHistogram (opts: LatencyHistogramOptions): LatencyHistogram {
  const { name, help } = opts
  const bounds = Float64Array.from(opts.buckets)
  // counts[i] = values in (bounds[i-1], bounds[i]]; the last slot is +Inf.
  const counts = new Float64Array(bounds.length + 1)
  let sum = 0
  const last = bounds.length

  function observe (seconds: number): void {
    let i = 0
    // Healthy latencies land in the first few buckets: a forward scan beats a binary search here.
    while (i < last && seconds > (bounds[i] as number)) i++
    counts[i] = (counts[i] as number) + 1
    sum += seconds
  }

  const bucketName = `${name}_bucket`
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get () {
      const values: Sample[] = []
      let cumulative = 0
      for (let i = 0; i < last; i++) {
        cumulative += counts[i] as number
        values.push({ value: cumulative, labels: { le: bounds[i] as number }, metricName: bucketName })
      }
      cumulative += counts[last] as number
      values.push({ value: cumulative, labels: { le: '+Inf' }, metricName: bucketName })
      values.push({ value: sum, labels: {}, metricName: `${name}_sum` })
      values.push({ value: cumulative, labels: {}, metricName: `${name}_count` })
      return { name, help, type: 'histogram', values, aggregator: 'sum' }
    },
    reset () {
      counts.fill(0)
      sum = 0
    }
  }
  // prom-client's registry takes any object with name/help/type/get(); its
  // TypeScript types only list the built-in metric classes.
  opts.registry.registerMetric(metric as any)
  return { observe }
}
