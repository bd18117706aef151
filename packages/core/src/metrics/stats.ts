import { AUTHZ_ACTIONS, AUTH_FAILURE_REASONS, CLOSE_REASONS, DROP_REASONS, LIMIT_NAMES, TRANSPORTS, zeroCounts, type AuthFailureReason, type AuthzAction, type CloseReason, type DropReason, type LimitLabel, type Transport } from './labels.js'

/**
 * The broker's running totals as plain numbers. The message path only does
 * `stats.x++` on these (no label hashing, no allocation); the Prometheus
 * collectors and the $SYS publisher read them when asked. One object per broker.
 */
export interface BrokerStats {
  readonly startedAtMs: number
  connectionsAccepted: Record<Transport, number>
  connectionsClosed: Record<CloseReason, number>
  /** Most clients connected at once since start ($SYS clients/maximum). */
  clientsMaximum: number
  /** CONNECTs accepted (CONNACK success) since start. */
  connects: number
  /** Persistent sessions whose client is not connected to this node. */
  readonly disconnectedSessions: Set<string>
  sessionsExpired: number
  /** Indexed by QoS 0, 1, 2. */
  publishReceived: [number, number, number]
  publishDelivered: [number, number, number]
  dropped: Record<DropReason, number>
  authFailures: Record<AuthFailureReason, number>
  authzFailures: Record<AuthzAction, number>
  limitHits: Record<LimitLabel, number>
  /** QoS 1/2 PUBLISH sent to clients of this node and not yet acknowledged. */
  inflight: number
  /** Socket bytes of connections already closed; live sockets are added on read. */
  closedBytesIn: number
  closedBytesOut: number
}

export function createBrokerStats (now = Date.now()): BrokerStats {
  return {
    startedAtMs: now,
    connectionsAccepted: zeroCounts(TRANSPORTS),
    connectionsClosed: zeroCounts(CLOSE_REASONS),
    clientsMaximum: 0,
    connects: 0,
    disconnectedSessions: new Set(),
    sessionsExpired: 0,
    publishReceived: [0, 0, 0],
    publishDelivered: [0, 0, 0],
    dropped: zeroCounts(DROP_REASONS),
    authFailures: zeroCounts(AUTH_FAILURE_REASONS),
    authzFailures: zeroCounts(AUTHZ_ACTIONS),
    limitHits: zeroCounts(LIMIT_NAMES),
    inflight: 0,
    closedBytesIn: 0,
    closedBytesOut: 0
  }
}

export function sumOf (values: readonly number[]): number {
  let total = 0
  for (const v of values) total += v
  return total
}
