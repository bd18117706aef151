import { matchSubscriptions } from './overlapping-subscriptions.js'

/**
 * Resuming a v5 session: deliver its queue, once per message, as the
 * subscriptions ask.
 *
 * 1. aedes 2.0.0-beta.1 decides whether to deliver the queue of a resumed
 *    session from the Session Expiry Interval of the *new* CONNECT: a client
 *    that reconnects with Clean Start 0 and no Session Expiry Interval (0, the
 *    default) resumes its subscriptions but has its queued messages thrown
 *    away. [MQTT-3.1.2-5]: "If CleanStart is set to 0 and there is a Session
 *    associated with the Client Identifier, the Server MUST resume
 *    communications with the Client based on state from the existing
 *    Session"; the new interval only says when the session ends after this
 *    connection closes (§3.1.2.11.2). siar keeps the session state for the
 *    life of such a connection (aedes' `client.clean` = false, set once
 *    CONNACK is written and before the queue is read); aedes still ends the
 *    session when the connection closes, because it expires sessions by
 *    `sessionExpiryInterval` (0), not by that flag.
 * 2. Queued messages were stored once per matching subscription and without
 *    the per-subscription details aedes adds on live delivery, so a client with
 *    overlapping subscriptions got the message twice, with no Subscription
 *    Identifier [MQTT-3.3.4-3] and at the published QoS rather than the
 *    granted one [MQTT-3.8.4-8]. While the queue drains (CONNACK written,
 *    connect not yet complete), each queued message passes aedes'
 *    authorizeForward hook with its packet id assigned: siar sets QoS and
 *    identifiers the way live delivery does (see overlapping-subscriptions.ts);
 *    queue-once-per-client.ts keeps the second copy out of the queue.
 */
const RESUME = Symbol.for('siar.aedes-fixes.resume')

// Per-client state as bit flags in a small integer: no object per connection.
/** Keep the session state for the life of this connection (see 1. above). */
const KEEP_SESSION_WHILE_CONNECTED = 1
/** Between CONNACK and the end of the connect: the session's queue is being sent. */
const DRAINING = 2

/** preConnect: remember what the CONNECT asked for. */
export function prepareSessionResume (client: any, connect: any): void {
  const keep = connect.protocolVersion === 5 && connect.clean === false &&
    (connect.properties?.sessionExpiryInterval ?? 0) === 0
  client[RESUME] = keep ? KEEP_SESSION_WHILE_CONNECTED : 0
}

/** aedes 'connackSent': the next connect step drains the session's queue. */
export function onConnackSent (client: any): void {
  const flags: number | undefined = client[RESUME]
  if (flags === undefined || !client.connecting) return
  if ((flags & KEEP_SESSION_WHILE_CONNECTED) !== 0) client.clean = false
  client[RESUME] = flags | DRAINING
}

/** aedes 'clientReady': the queue has been drained. */
export function onClientReady (client: any): void {
  const flags: number | undefined = client[RESUME]
  if (flags !== undefined) client[RESUME] = flags & ~DRAINING
}

/**
 * Called from authorizeForward for every message: adjusts a queued message in
 * place while the queue drains; live deliveries pass untouched.
 */
export function fixQueuedMessage (client: any, packet: any): void {
  const flags: number | undefined = client[RESUME]
  if (flags === undefined || (flags & DRAINING) === 0 || packet.messageId === undefined || packet.cmd !== 'publish') return

  const match = { maxQos: -1, ids: [] as number[] }
  matchSubscriptions(client, packet, match)
  const { maxQos, ids } = match
  // QoS 0 subscriptions are never queued; a queued message keeps at least QoS 1
  // so its stored packet id is acknowledged and released.
  if (maxQos > 0 && maxQos < packet.qos) packet.qos = maxQos
  if (ids.length > 0 && client.version === 5) {
    packet.properties = { ...packet.properties, subscriptionIdentifier: ids.length === 1 ? ids[0] : ids }
  }
}
