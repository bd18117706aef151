import type { Aedes, AedesOptions, Client } from 'aedes'
import mqttPacket from 'mqtt-packet'
import type { ClientLimits } from '../limits/client-limits.js'
import type { AccessControl, AuthFailureReason } from './access-control.js'

/** MQTT 5 DISCONNECT reason 0x96 Message rate too high [MQTT-3.14.2.1]. */
const MESSAGE_RATE_TOO_HIGH = 0x96
/** MQTT 5 DISCONNECT reason 0x93 Receive Maximum exceeded [MQTT-3.3.4-8]. */
const RECEIVE_MAXIMUM_EXCEEDED = 0x93
/** MQTT 5 DISCONNECT reason 0x81 Malformed Packet. */
const MALFORMED_PACKET = 0x81
/**
 * [MQTT-1.5.4-1] ill-formed UTF-8 and [MQTT-1.5.4-2] U+0000 must close the
 * connection. mqtt-packet decodes topics leniently, turning bad bytes into
 * U+FFFD, so that character stands for "was ill-formed" (a genuine U+FFFD in
 * a topic name is refused too; it has no business there).
 */
const ILL_FORMED_TOPIC = /[\u0000\uFFFD]/
const SYS_PREFIX = '$SYS/'

export type AccessAction = 'publish' | 'subscribe' | 'deliver'

export interface AuthHooksDeps {
  access: AccessControl
  limits: ClientLimits
  onAuthFailure: (reason: AuthFailureReason) => void
  onAccessDenied: (action: AccessAction) => void
}

export type AuthHooks = Required<Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>>

/**
 * The aedes hooks that apply access control and per-client limits. The one
 * protocol detail that needs care is a refused PUBLISH:
 *  - MQTT 5: aedes answers QoS 1/2 with PUBACK/PUBREC 0x87 when the hook
 *    returns an error, and keeps the connection.
 *  - MQTT 3.1/3.1.1 have no reason codes and aedes would close the
 *    connection on an error; Mosquitto instead drops the message and still
 *    acknowledges it (so the client does not resend it forever). We do the
 *    same: mark the packet so aedes skips it, and send the ack ourselves.
 */
export function createAuthHooks (deps: AuthHooksDeps): AuthHooks {
  const { access, limits } = deps

  function refusePublish (client: Client, packet: any, reason: string, callback: (err?: Error | null) => void): void {
    // A will being published at close time: an error is what stops it.
    if (client.version === 5 || client.closed || !client.connected) return callback(new Error(reason))
    packet._notAuthorized = true
    if (packet.qos > 0) {
      const ack = { cmd: packet.qos === 1 ? 'puback' : 'pubrec', messageId: packet.messageId } as const
      mqttPacket.writeToStream(ack as any, client.conn as any, { protocolVersion: client.version === 3 ? 3 : 4 })
    }
    callback(null)
  }

  return {
    authenticate: (client, username, password, done) => {
      access.authenticate(client, username, password as Buffer | undefined).then((result) => {
        if (result.ok) return done(null, true)
        deps.onAuthFailure(result.reason)
        const message = result.returnCode === 4 ? 'bad user name or password' : 'not authorized'
        done(Object.assign(new Error(message), { returnCode: result.returnCode }), false)
      }, (err: Error) => done(Object.assign(err, { returnCode: 3 as const }), false))
    },

    authorizePublish: (client, packet, callback) => {
      const topic = packet.topic
      if (!client) {
        // A will restored from another node's persistence: no identity to check.
        return callback(access.aclConfigured ? new Error('not authorized') : null)
      }
      if (ILL_FORMED_TOPIC.test(topic)) {
        if (client.version !== 5 || client.closed || !client.connected) return callback(new Error('ill-formed UTF-8 in topic'))
        ;(packet as any)._notAuthorized = true
        client.disconnect({ reasonCode: MALFORMED_PACKET }, () => {})
        return callback(null)
      }
      if (client.connected && !client.closed) {
        const verdict = limits.checkPublish(client, topic)
        if (verdict === 'publish_rate') {
          if (client.version !== 5) return callback(new Error('publish rate exceeded'))
          ;(packet as any)._notAuthorized = true
          client.disconnect({ reasonCode: MESSAGE_RATE_TOO_HIGH }, () => {})
          return callback(null)
        }
        if (verdict !== 'ok') return callback(new Error(`limit exceeded: ${verdict}`))
      }
      // $SYS is the broker's own namespace: clients never publish there (aedes' default rule).
      if (topic.startsWith(SYS_PREFIX) || !access.canPublish(client, topic)) {
        deps.onAccessDenied('publish')
        return refusePublish(client, packet, 'not authorized', callback)
      }
      // Counted only once accepted: a refused QoS 2 gets no PUBREL to release it.
      if (packet.qos === 2 && client.connected && !client.closed && limits.checkInflight(client, packet.messageId) !== 'ok') {
        if (client.version !== 5) return callback(new Error('too many QoS 2 messages awaiting PUBREL'))
        ;(packet as any)._notAuthorized = true
        client.disconnect({ reasonCode: RECEIVE_MAXIMUM_EXCEEDED }, () => {})
        return callback(null)
      }
      callback(null)
    },

    authorizeSubscribe: (client, sub, callback) => {
      if (ILL_FORMED_TOPIC.test(sub.topic)) return callback(new Error('ill-formed UTF-8 in topic filter'))
      if (!access.canSubscribe(client, sub.topic)) {
        deps.onAccessDenied('subscribe')
        return callback(null, null) // SUBACK 0x80 (v3) / 0x87 (v5), see aedes storeSubscriptions
      }
      if (limits.checkSubscribe(client, sub.topic) !== 'ok') return callback(null, null)
      callback(null, sub)
    },

    authorizeForward: (client, packet) => {
      if (access.canRead(client, packet.topic)) return packet
      deps.onAccessDenied('deliver')
      return null
    }
  }
}

/** Keep the per-client subscription count right when filters are dropped. */
export function trackUnsubscribes (aedes: Aedes, limits: ClientLimits): void {
  aedes.on('unsubscribe', (unsubscriptions, client) => {
    if (client) limits.unsubscribed(client, unsubscriptions)
  })
}

/**
 * Release in-flight QoS 2 slots on PUBREL. aedes has no PUBREL hook, so this
 * listens on the client's packet parser (aedes 2.0.0-beta.1 `_parser`), from
 * the moment the connection is handed over, before any byte is parsed.
 */
export function trackPubrel (client: Client, limits: ClientLimits): void {
  const parser = (client as unknown as { _parser?: { on: (e: 'packet', fn: (p: { cmd: string, messageId?: number }) => void) => void } })._parser
  parser?.on('packet', (p) => {
    if (p.cmd === 'pubrel') limits.released(client, p.messageId)
  })
}
