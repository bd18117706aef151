/**
 * CONNACK first.
 *
 * aedes 2.0.0-beta.1 registers a connecting client and restores its
 * subscriptions before it writes the CONNACK, and its writer accepts packets
 * for a client that is still connecting. A message routed to a resumed
 * session in that window (typically one published just before the client
 * came back, still on its way through the persistence) goes out before the
 * CONNACK. [MQTT-3.2.0-1]: "The Server MUST send a CONNACK with a 0x00
 * (Success) Reason Code before sending any Packet other than AUTH" (v3.1.1
 * [MQTT-3.2.0-1]: "The first packet sent from the Server to the Client MUST be
 * a CONNACK Packet"). mqtt.js, for one, ignores the early PUBLISH packets
 * and then never sees its CONNACK: the connection times out.
 *
 * siar holds PUBLISH packets written to a connecting client and writes them,
 * in order, right after its successful CONNACK; after a refusal they are
 * discarded with the connection. Cost afterwards: one property read per PUBLISH.
 */
const PRE_CONNACK = Symbol.for('siar.aedes-fixes.pre-connack')

/** preConnect: from now until the CONNACK, PUBLISH packets for this client wait. */
export function awaitConnack (client: any): void {
  client[PRE_CONNACK] = []
}

/** True when `packet` was held because the client has no CONNACK yet. */
export function holdUntilConnack (client: any, packet: any): boolean {
  const held: any[] | null | undefined = client?.[PRE_CONNACK]
  if (held == null) return false
  held.push(packet)
  return true
}

/** After the CONNACK was written: send what waited (if it said success) and stop holding. */
export function releaseAfterConnack (client: any, connack: any, send: (packet: any) => void): void {
  const held: any[] | null | undefined = client?.[PRE_CONNACK]
  if (held == null) return
  client[PRE_CONNACK] = null
  const accepted = (connack.reasonCode ?? connack.returnCode ?? 0) === 0
  if (accepted) for (const packet of held) send(packet)
}
