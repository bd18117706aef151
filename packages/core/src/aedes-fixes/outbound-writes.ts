import { aedesMqttPacket, type WriteToStream } from './aedes-mqtt-packet.js'
import { exceedsMaximumPacketSize } from './max-packet-size.js'
import { admitInflight, createReceiveMaximum, type ReceiveMaximumState } from './receive-maximum.js'
import { applyServerTopicAlias } from './server-topic-alias.js'
import { confirmSessionExpiry } from './connack-session-expiry.js'
import { isRepeatedQos2 } from './qos2-once-per-connection.js'
import { holdUntilConnack, releaseAfterConnack } from './connack-first.js'

/**
 * The one choke point for PUBLISH packets leaving siar toward a v5 client.
 *
 * aedes 2.0.0-beta.1 stores a v5 client's Maximum Packet Size, Receive Maximum
 * and Topic Alias Maximum but sends every PUBLISH anyway. All of its outbound
 * paths (live delivery, retained-on-subscribe, the queue drained on session
 * resume) end in mqtt-packet's `writeToStream`, so that is where siar applies,
 * in order: drop what is too large [MQTT-3.1.2-24/25], hold what exceeds the
 * in-flight window [MQTT-3.3.4-7..9], then replace the topic by an alias.
 *
 * Cost for everyone else: the wrapper reads `packet.cmd` and, for a PUBLISH,
 * one symbol-keyed property of the connection's client; clients that need no
 * fix carry no state and go straight to the original writer.
 */

export type DropReason = 'too_large' | 'expired' | 'queue_full'

export interface OutboundOptions {
  onDrop: (reason: DropReason, clientId: string) => void
  /** Most messages held for one client beyond its Receive Maximum (siar's max queued messages). */
  maxHeldMessages: number
}

/** Aliases siar hands out per connection at most, whatever the client allows: bounds the map's memory. */
export const MAX_SERVER_TOPIC_ALIASES = 1024

export interface OutboundState {
  readonly client: any
  /** Client's Maximum Packet Size in bytes; 0 = none declared. */
  readonly maxPacketSize: number
  /** null when the client's Receive Maximum cannot matter (absent or 65535). */
  readonly flow: ReceiveMaximumState | null
  readonly maxHeldMessages: number
  /** Client's Topic Alias Maximum; 0 = the client takes no aliases. */
  readonly aliasMaximum: number
  readonly aliases: Map<string, number>
  /** Write a PUBLISH now (alias applied), bypassing the checks already done. */
  send: (packet: any) => boolean
  drop: (reason: DropReason, packet: any) => void
}

export const OUTBOUND = Symbol.for('siar.aedes-fixes.outbound')
/** Set on every v5 client of a siar broker: the writer is process-wide, other aedes instances keep their behaviour. */
export const SIAR_V5_CLIENT = Symbol.for('siar.aedes-fixes.v5-client')
const RECEIVE_MAXIMUM_UNLIMITED = 65535
const WRITE_OPTS_V5 = Object.freeze({ protocolVersion: 5 })

let originalWrite: WriteToStream | null = null

/** Idempotent: the wrapper is process-wide, the state it acts on is per connection. */
export function installOutboundInterceptor (): void {
  if (originalWrite !== null) return
  const write = aedesMqttPacket.writeToStream
  originalWrite = write
  const siarWriteToStream: WriteToStream = function siarWriteToStream (packet, stream, opts) {
    if (packet.cmd !== 'publish') {
      if (packet.cmd === 'connack' && stream.client?.[SIAR_V5_CLIENT] === true) {
        confirmSessionExpiry(packet, stream.client)
        // siar serves $share/ subscriptions (cluster/shared/); aedes always says it doesn't [MQTT-3.2.2-?].
        if (packet.properties?.sharedSubscriptionAvailable === false) packet.properties.sharedSubscriptionAvailable = true
      }
      if (packet.cmd === 'connack') {
        const written = write(packet, stream, opts)
        releaseAfterConnack(stream.client, packet, (held) => writeHeld(write, held, stream, opts))
        return written
      }
      return write(packet, stream, opts)
    }
    if (packet.qos === 2 && isRepeatedQos2(stream.client, packet)) return true // see qos2-once-per-connection.ts
    if (holdUntilConnack(stream.client, packet)) return true
    const state: OutboundState | undefined = stream.client?.[OUTBOUND]
    if (state === undefined) return write(packet, stream, opts)
    return writePublish(state, packet)
  }
  // mqtt.js toggles this flag through the module object; keep it reaching the real writer.
  Object.defineProperty(siarWriteToStream, 'cacheNumbers', {
    get: () => write.cacheNumbers,
    set: (value: boolean) => { write.cacheNumbers = value }
  })
  aedesMqttPacket.writeToStream = siarWriteToStream
}

function writeHeld (write: WriteToStream, packet: any, stream: any, opts: any): void {
  const state: OutboundState | undefined = stream.client?.[OUTBOUND]
  if (state === undefined) write(packet, stream, opts)
  else writePublish(state, packet)
}

function writePublish (state: OutboundState, packet: any): boolean {
  if (state.maxPacketSize > 0 && exceedsMaximumPacketSize(packet, state.maxPacketSize)) {
    state.drop('too_large', packet)
    return true // to aedes the message was sent, as [MQTT-3.1.2-25] asks
  }
  if (state.flow !== null && packet.qos > 0 && !admitInflight(state, packet)) return true
  return state.send(packet)
}

/**
 * Give a connecting v5 client the outbound state its CONNECT asks for, or
 * nothing when it asks for nothing siar must enforce. Called from preConnect.
 */
export function attachOutboundState (client: any, connect: any, opts: OutboundOptions): void {
  if (connect.protocolVersion !== 5 || originalWrite === null) return
  client[SIAR_V5_CLIENT] = true
  const props = connect.properties ?? {}
  const maxPacketSize: number = props.maximumPacketSize ?? 0
  const receiveMaximum: number = props.receiveMaximum ?? RECEIVE_MAXIMUM_UNLIMITED
  const aliasMaximum = Math.min(props.topicAliasMaximum ?? 0, MAX_SERVER_TOPIC_ALIASES)
  const needsFlow = receiveMaximum > 0 && receiveMaximum < RECEIVE_MAXIMUM_UNLIMITED
  if (maxPacketSize <= 0 && !needsFlow && aliasMaximum <= 0) return

  const write = originalWrite
  const state: OutboundState = {
    client,
    maxPacketSize,
    flow: null,
    maxHeldMessages: opts.maxHeldMessages,
    aliasMaximum,
    aliases: new Map(),
    send: (packet) => {
      const wire = state.aliasMaximum > 0 ? applyServerTopicAlias(state, packet) : packet
      return write(wire, client.conn, WRITE_OPTS_V5)
    },
    drop: (reason, packet) => {
      // A dropped QoS 1/2 message is done with: take it out of the session so
      // it is not sent again on resume (aedes keys in-flight state by messageId).
      if (packet.qos > 0 && !client.clean && packet.messageId !== undefined) {
        client.broker.persistence.outgoingClearMessageId(client, packet).then(noop, noop)
      }
      opts.onDrop(reason, client.id ?? connect.clientId)
    }
  }
  if (needsFlow) (state as { flow: ReceiveMaximumState | null }).flow = createReceiveMaximum(state, receiveMaximum)
  client[OUTBOUND] = state
}

function noop (): void {}
