/**
 * Counts that live in the session store (retained messages, stored
 * subscriptions). They cost a walk of the store, so they are computed at most
 * once per `maxAgeMs` however often Prometheus scrapes or $SYS ticks, and
 * concurrent readers share one walk.
 */
export interface StoreCounts {
  retained: number
  storedSubscriptions: number
}

export const DEFAULT_STORE_STATS_MAX_AGE_MS = 1_000

export function createStoreStats (persistence: any, maxAgeMs = DEFAULT_STORE_STATS_MAX_AGE_MS): () => Promise<StoreCounts> {
  let last: StoreCounts = { retained: 0, storedSubscriptions: 0 }
  let lastAt = -Infinity
  let running: Promise<StoreCounts> | undefined

  async function compute (): Promise<StoreCounts> {
    let retained = 0
    // Users' retained messages only: the broker's own $SYS tree is not counted
    // ([MQTT-4.7.2-1] keeps $ topics out of '#' for clients; stores may differ).
    for await (const packet of persistence.createRetainedStream('#')) {
      if (!String(packet.topic).startsWith('$')) retained++
    }
    const offline = typeof persistence.countOffline === 'function' ? await persistence.countOffline() : { subsCount: 0 }
    return { retained, storedSubscriptions: Number(offline.subsCount) || 0 }
  }

  return async () => {
    if (Date.now() - lastAt < maxAgeMs) return last
    running ??= compute().then((counts) => {
      last = counts
      lastAt = Date.now()
      return counts
    }).finally(() => { running = undefined })
    try {
      return await running
    } catch {
      // A store that cannot answer right now keeps the last known numbers;
      // readiness and the Redis metrics are where an outage shows.
      return last
    }
  }
}
