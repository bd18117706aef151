import type { Aedes, AedesOptions } from 'aedes'
import mqttPacket from 'mqtt-packet'

type AuthorizePublishHandler = NonNullable<AedesOptions['authorizePublish']>
type Flagged = { _notAuthorized?: boolean }

/** MQTT 5 PUBACK/PUBREC 0x83 Implementation specific error: the PUBLISH is valid, the receiver is not willing to accept it (now). */
export const NOT_ACCEPTED_NOW = 0x83

/**
 * aedes 2.0.0-beta.1 writes the PUBACK of a QoS 1 PUBLISH *before* routing it
 * (handlers/publish.js, enqueuePublish). In memory that is harmless; in a
 * cluster the route goes through Redis, and if Redis fails at that moment the
 * client was told "stored" for a message that went nowhere. Here the publish is
 * routed first (retained store, offline queues, bus), and only then acked; if
 * routing fails the client gets no PUBACK (v3: the connection closes; v5: a
 * failure reason code), so it sends the message again.
 *
 * Mechanism: after authorization passes, we publish, then set the packet's
 * `_notAuthorized` flag, which makes aedes' enqueuePublish finish without
 * publishing or acking a second time, and write the PUBACK ourselves. The canary
 * test in test/aedes-fixes/ack-after-route.test.ts fails when aedes acks after
 * routing on its own (or drops the flag), so this can be deleted then.
 */
export function ackQos1AfterRouting (getAedes: () => Aedes, authorize: AuthorizePublishHandler): AuthorizePublishHandler {
  return (client, packet, done) => {
    authorize(client, packet, (err) => {
      // Already answered (refused while Redis is down, below): nothing to route.
      if (err || !client || packet.qos !== 1 || (packet as Flagged)._notAuthorized) return done(err)
      ;(getAedes() as any).publish(packet, client, (publishError?: Error) => {
        if (publishError) return done(publishError)
        ;(packet as Flagged)._notAuthorized = true
        writeAck(client as any, 'puback', packet.messageId, 0)
        done(null)
      })
    })
  }
}

/**
 * While Redis is unreachable nothing can be stored or routed to other nodes.
 * QoS 1/2: refused, never acknowledged — v5 with 0x83 and a reason string
 * (not aedes' 0x87 Not authorized, which a client may take as final); v3/v4
 * have no refusal, so the connection closes and the client resends after
 * reconnecting. QoS 0: at most once anyway, so it still reaches this node's
 * own subscribers (the bus skips Redis for it, backplane/redis-emitter.ts)
 * instead of costing a v3 client its connection; a retained QoS 0 message
 * cannot be stored and is dropped.
 */
export function refuseWhileUnstorable (authorize: AuthorizePublishHandler, status: () => { ok: boolean, detail?: string }): AuthorizePublishHandler {
  return (client, packet, done) => {
    const now = status()
    if (!client || now.ok) return authorize(client, packet, done)
    if (packet.qos === 0) {
      if (!packet.retain) return authorize(client, packet, done)
      ;(packet as Flagged)._notAuthorized = true
      return done(null)
    }
    const reason = `not stored: ${now.detail ?? 'Redis unreachable'}; retry later`
    if ((client as any).version !== 5) return done(new Error(reason))
    ;(packet as Flagged)._notAuthorized = true
    writeAck(client as any, packet.qos === 1 ? 'puback' : 'pubrec', packet.messageId, NOT_ACCEPTED_NOW, reason)
    done(null)
  }
}

interface WireClient { version: number, conn: NodeJS.WritableStream, closed?: boolean, _requestProblemInformation?: boolean }

function writeAck (client: WireClient, cmd: 'puback' | 'pubrec', messageId: number | undefined, reasonCode: number, reasonString?: string): void {
  if (client.closed || messageId === undefined) return
  const protocolVersion = client.version === 5 ? 5 : client.version === 3 ? 3 : 4
  // [MQTT-3.1.2-29] no Reason String on a PUBACK/PUBREC when the client asked for no problem information.
  const properties = reasonString && client.version === 5 && client._requestProblemInformation !== false ? { reasonString } : undefined
  mqttPacket.writeToStream({ cmd, messageId, reasonCode, ...(properties ? { properties } : {}) } as any, client.conn as any, { protocolVersion })
}
