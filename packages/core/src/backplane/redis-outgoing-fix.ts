import type { Redis } from 'ioredis'

/**
 * aedes-persistence-redis 12 leaks one entry per QoS 2 delivery in a session's
 * queue list. On PUBREC it replaces the list entry `packet:<broker>:<n>` with
 * `outgoing:<client>:<broker>:<n>` (the PUBREL state); on PUBCOMP it deletes
 * that key but removes `packet:<broker>:<n>` from the list, which is no longer
 * there. The stale name stays in `outgoing:<client>` until the client resumes a
 * session (the resume skips and trims names whose key is gone), so a QoS 2
 * subscriber that stays connected grows its list forever, and the list's
 * length (which the offline queue cap reads in a cluster) stops meaning
 * anything. Here the PUBREL entry is removed too, once the original call is done.
 *
 * List entries are key names without the ioredis keyPrefix (the prefix applies
 * to key arguments, not to values), exactly as the store pushes them.
 * The canary in test/integration/redis-outgoing-fix.test.ts fails when the
 * store cleans up on its own, so this can go then.
 */
export function fixQos2OutgoingLeak (persistence: any, db: Redis): void {
  const clear = persistence.outgoingClearMessageId.bind(persistence)
  persistence.outgoingClearMessageId = async (client: { id: string }, packet: unknown) => {
    const original = await clear(client, packet)
    // Only a PUBREL entry was renamed; QoS 1 (and QoS 2 refused at PUBREC) left the original name, already removed.
    if (original?.cmd === 'pubrel' && original.brokerId !== undefined && original.brokerCounter !== undefined) {
      const list = `outgoing:${encodeURIComponent(client.id)}`
      await db.lrem(list, 0, `${list}:${String(original.brokerId)}:${String(original.brokerCounter)}`)
    }
    return original
  }
}
