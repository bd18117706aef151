/**
 * The bounded label values siar's metrics use. Prometheus keeps one series per
 * label combination, so every label here is a closed set: a value from outside
 * the set is counted under `other` instead of creating a new series. Client ids
 * and topics never become labels (unbounded cardinality).
 */

/** Why a message was not delivered. `broker.events` 'messageDropped' reasons map onto these. */
export const DROP_REASONS = [
  'queue_full', 'too_large', 'expired', 'slow_consumer', 'no_subscribers',
  'not_authorized', 'rate_limited', 'other'
] as const
export type DropReason = (typeof DROP_REASONS)[number]

/** Why a network connection ended, as far as the broker can tell. */
export const CLOSE_REASONS = [
  'client_disconnect', 'connection_lost', 'keepalive_timeout', 'connect_timeout',
  'protocol_error', 'auth_failed', 'taken_over', 'server_shutdown',
  'slow_consumer', 'too_large', 'other'
] as const
export type CloseReason = (typeof CLOSE_REASONS)[number]

/** Why a CONNECT was refused by authentication. */
export const AUTH_FAILURE_REASONS = ['bad_credentials', 'anonymous_refused', 'other'] as const
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number]

/** What an authorization (ACL) denial was about; `deliver` is a message withheld from a subscriber. */
export const AUTHZ_ACTIONS = ['publish', 'subscribe', 'deliver', 'other'] as const
export type AuthzAction = (typeof AUTHZ_ACTIONS)[number]

/** The limits siar enforces (the security layer's LimitName), for siar_limit_hits_total. */
export const LIMIT_NAMES = [
  'max_connections', 'max_connections_per_ip', 'connection_rate_per_ip', 'max_packet_size',
  'max_topic_length', 'max_topic_levels', 'max_subscriptions', 'publish_rate',
  'max_inflight', 'drain_timeout', 'connect_timeout', 'other'
] as const
export type LimitLabel = (typeof LIMIT_NAMES)[number]

/** How the client reached us. */
export const TRANSPORTS = ['mqtt', 'mqtts', 'ws', 'wss'] as const
export type Transport = (typeof TRANSPORTS)[number]

export const QOS_LEVELS = ['0', '1', '2'] as const

/** A record with a zero for every value of a label set, so every series exists from the first scrape. */
export function zeroCounts<T extends string> (values: readonly T[]): Record<T, number> {
  const out = {} as Record<T, number>
  for (const v of values) out[v] = 0
  return out
}

/** Map any string onto a bounded label set; unknown values become `other`. */
export function boundedLabel<T extends string> (values: readonly T[], value: string): T {
  return (values as readonly string[]).includes(value) ? value as T : 'other' as T
}
