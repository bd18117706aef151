import type { Aedes, AedesOptions } from 'aedes'
import mqttPacket from 'mqtt-packet'

type AuthorizePublishHandler = NonNullable<AedesOptions['authorizePublish']>

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
      if (err || !client || packet.qos !== 1) return done(err)
      ;(getAedes() as any).publish(packet, client, (publishError?: Error) => {
        if (publishError) return done(publishError)
        ;(packet as { _notAuthorized?: boolean })._notAuthorized = true
        writePuback(client as any, packet.messageId)
        done(null)
      })
    })
  }
}

function writePuback (client: { version: number, conn: NodeJS.WritableStream, closed?: boolean }, messageId: number | undefined): void {
  if (client.closed || messageId === undefined) return
  const protocolVersion = client.version === 5 ? 5 : client.version === 3 ? 3 : 4
  mqttPacket.writeToStream({ cmd: 'puback', messageId, reasonCode: 0 } as any, client.conn as any, { protocolVersion })
}
