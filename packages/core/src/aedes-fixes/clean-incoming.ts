/**
 * aedes 2.0.0-beta.1 gap: on a clean-session CONNECT it does not call the
 * persistence's `cleanIncoming`, unlike aedes 1.2. A client that reconnects
 * clean and reuses a QoS 2 packet id then has its new message taken for a
 * duplicate of the old session's unreleased one and silently dropped
 * ([MQTT-3.1.2-4]: Clean Start discards the old session, incoming state too).
 * Runs as a preConnect step, before aedes looks at incoming packets.
 */
export async function cleanIncomingOnCleanStart (persistence: any, clientId: string, cleanStart: boolean): Promise<void> {
  if (!cleanStart || !clientId || typeof persistence.cleanIncoming !== 'function') return
  await persistence.cleanIncoming({ id: clientId })
}
