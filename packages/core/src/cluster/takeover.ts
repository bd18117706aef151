import type { Aedes } from 'aedes'

/** [MQTT-3.1.4-3]/[MQTT-3.14.2]: 0x8E Session taken over. */
const SESSION_TAKEN_OVER = 0x8e
const NEW_CLIENT_TOPIC = /^\$SYS\/([^/]+)\/new\/clients$/

/**
 * A client id that connects on another node announces itself on
 * `$SYS/<node>/new/clients`. Seen before aedes' own handler:
 *
 * - If the client is still connected here, aedes would close that connection
 *   silently; we first tell a v5 client why (DISCONNECT 0x8E, [MQTT-3.1.4-3])
 *   so it doesn't reconnect in a loop.
 * - If it left this node earlier (or is being closed just now), this node holds timers for its
 *   session: the Session Expiry that wipes the session and a delayed will.
 *   aedes cancels them only when the client comes back to *this* node, so they
 *   would fire while the session goes on elsewhere: the session's
 *   subscriptions and queue wiped under a connected client, a will sent though
 *   it reconnected in time ([MQTT-3.1.3-9]). We cancel them here, and drop the
 *   will this node stored for it, as a local reconnect would.
 */
export function createRemoteTakeover (getAedes: () => Aedes | undefined) {
  return function beforeRemoteDelivery (packet: { topic: string, payload: Buffer }, next: () => void): void {
    const match = NEW_CLIENT_TOPIC.exec(packet.topic)
    const aedes = getAedes() as any
    if (!match || !aedes || match[1] === aedes.id) return next()
    const clientId = packet.payload.toString()
    const client = aedes.clients[clientId]
    if (!client || client.closed) {
      forgetSessionLeftHere(aedes, clientId)
      return next()
    }
    // v3/v4 sessions have no expiry or will delay timers; aedes closes them silently.
    if (client.version !== 5) return next()
    // Closing arms this node's Session Expiry (and a delayed will) for the old connection;
    // the session continues on the other node, so cancel them once closed.
    client.disconnect({ reasonCode: SESSION_TAKEN_OVER }, () => {
      forgetSessionLeftHere(aedes, clientId)
      next()
    })
  }
}

function forgetSessionLeftHere (aedes: any, clientId: string): void {
  aedes.clearSessionExpiry?.(clientId)
  if (aedes.delayedWills?.has(clientId)) {
    aedes.clearDelayedWill(clientId)
    aedes.persistence.delWill({ id: clientId, brokerId: aedes.id }).catch((err: Error) => aedes.emit('error', err))
  }
}
