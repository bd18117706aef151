/**
 * Test helper: fetch /metrics and read it as a map from series
 * (`name{label="v",...}` with labels in exposition order) to value.
 */
export type Samples = Map<string, number>

export async function scrapeText (httpUrl: string): Promise<string> {
  const res = await fetch(`${httpUrl}/metrics`)
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
  return await res.text()
}

export function parseSamples (text: string): Samples {
  const out: Samples = new Map()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const cut = line.lastIndexOf(' ')
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)))
  }
  return out
}

export async function scrape (httpUrl: string): Promise<Samples> {
  return parseSamples(await scrapeText(httpUrl))
}

/** Value of one series; a missing series is an error, not zero, so typos fail. */
export function value (samples: Samples, series: string): number {
  const v = samples.get(series)
  if (v === undefined) throw new Error(`series ${series} not in the scrape`)
  return v
}

/** How much each named series moved between two scrapes. */
export function delta (before: Samples, after: Samples, series: string): number {
  return value(after, series) - value(before, series)
}

/** Metric family names in a scrape (from the # TYPE lines). */
export function metricNames (text: string): Set<string> {
  const names = new Set<string>()
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const name = m[1] as string
    names.add(name)
    if (m[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix)
  }
  return names
}
