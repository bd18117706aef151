import type { Aedes } from 'aedes'

/** [MQTT-3.2.2-?]/[MQTT-3.14.2]: 0x8E Session taken over. */
const SESSION_TAKEN_OVER = 0x8e
const NEW_CLIENT_TOPIC = /^\$SYS\/([^/]+)\/new\/clients$/

/**
 * A client id that connects on another node announces itself on
 * `$SYS/<node>/new/clients`; aedes then closes the local connection with that
 * id, but silently. Seen before local delivery, we first tell a v5 client why
 * (DISCONNECT 0x8E, [MQTT-3.1.4-3]) so it doesn't reconnect in a loop.
 */
export function createRemoteTakeover (getAedes: () => Aedes | undefined) {
  return function beforeRemoteDelivery (packet: { topic: string, payload: Buffer }, next: () => void): void {
    const match = NEW_CLIENT_TOPIC.exec(packet.topic)
    const aedes = getAedes()
    if (!match || !aedes || match[1] === aedes.id) return next()
    const client = (aedes as any).clients[packet.payload.toString()]
    if (!client || client.closed || client.version !== 5) return next()
    client.disconnect({ reasonCode: SESSION_TAKEN_OVER }, next)
  }
}
