/**
 * The limits siar enforces, as named in the `limitHit` event and the
 * `siar_limit_hits_total{limit=...}` metric. One name per configurable limit.
 */
export type LimitName =
  | 'max_connections'
  | 'max_connections_per_ip'
  | 'connection_rate_per_ip'
  | 'max_packet_size'
  | 'max_topic_length'
  | 'max_topic_levels'
  | 'max_subscriptions'
  | 'max_inflight'
  | 'publish_rate'
  | 'drain_timeout'
  | 'connect_timeout'

/**
 * Limits that aedes enforces itself surface only as client/connection errors;
 * map their messages (aedes 2.0.0-beta.1 wording) to a limit name so they are
 * counted like the ones siar enforces.
 */
export function limitFromAedesError (err: Error | undefined): LimitName | undefined {
  const message = err?.message
  if (message === 'packet too large') return 'max_packet_size'
  if (message === 'connect did not arrive in time') return 'connect_timeout'
  if (message === 'drain timeout') return 'drain_timeout'
  if (message === 'topic has too many levels') return 'max_topic_levels'
  return undefined
}

/**
 * Count a limit aedes reports once per connection: a drain timeout fails
 * every write that was waiting (one error each), but it is one event.
 */
export function createAedesLimitCounter (onHit: (limit: LimitName) => void): (client: object | null | undefined, err: Error | undefined) => void {
  const seen = new WeakMap<object, Set<LimitName>>()
  return (client, err) => {
    const limit = limitFromAedesError(err)
    if (!limit) return
    if (client) {
      const set = seen.get(client) ?? new Set<LimitName>()
      if (set.has(limit)) return
      set.add(limit)
      seen.set(client, set)
    }
    onHit(limit)
  }
}
