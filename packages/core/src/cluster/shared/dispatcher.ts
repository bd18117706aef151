import { aedesMqttPacket } from '../../aedes-fixes/aedes-mqtt-packet.js'
import { allocatePacketId } from '../../aedes-fixes/client-internals.js'
import type { LocalMembers } from './members.js'

export interface SharedPacket {
  topic: string
  payload: Buffer
  qos: number
  properties?: Record<string, unknown>
}

/** One message for one shared subscription, as the transport handed it over. */
export interface ShareEntry {
  key: string
  packet: SharedPacket
  /** Done with it: a member took it (QoS 0 written, QoS 1 acknowledged). */
  ack: () => void
  /** No member here could take it: give it back (another node may). */
  release: () => void
}

/**
 * Hands each message to one local member and, for QoS 1, keeps it until that
 * member's PUBACK. A member that disconnects first has its unacknowledged
 * messages sent to another member [MQTT-4.8.2-4/5 intent]; with none left here,
 * they go back to the transport.
 */
export class ShareDispatcher {
  readonly #members: LocalMembers
  readonly #authorizeForward: (client: any, packet: any) => any
  readonly #inflight = new Map<any, Map<number, ShareEntry>>()
  delivered = 0

  constructor (members: LocalMembers, authorizeForward: (client: any, packet: any) => any) {
    this.#members = members
    this.#authorizeForward = authorizeForward
  }

  dispatch (entry: ShareEntry, exclude?: any): void {
    const member = this.#members.pick(entry.key, exclude)
    if (!member) {
      entry.release()
      return
    }
    const client = member.client
    const qos = Math.min(entry.packet.qos, member.qos)
    const packet: Record<string, unknown> = {
      cmd: 'publish', topic: entry.packet.topic, payload: entry.packet.payload, qos, retain: false, dup: false
    }
    if (entry.packet.properties) packet.properties = entry.packet.properties
    const forwarded = this.#authorizeForward(client, packet)
    if (!forwarded) {
      entry.ack() // the ACL keeps this member from it; it is not for the group either
      return
    }
    if (qos > 0) {
      forwarded.messageId = allocatePacketId(client)
      let mine = this.#inflight.get(client)
      if (!mine) this.#inflight.set(client, mine = new Map())
      mine.set(forwarded.messageId, entry)
    }
    aedesMqttPacket.writeToStream(forwarded, client.conn, { protocolVersion: client.version === 5 ? 5 : client.version === 3 ? 3 : 4 })
    this.delivered++
    if (qos === 0) entry.ack()
  }

  /** An incoming PUBACK: the member has the message. */
  acknowledged (client: any, messageId: number): void {
    const mine = this.#inflight.get(client)
    const entry = mine?.get(messageId)
    if (!entry || !mine) return
    mine.delete(messageId)
    entry.ack()
  }

  /** The member is gone: what it had not acknowledged goes to someone else. */
  memberLeft (client: any): void {
    const mine = this.#inflight.get(client)
    this.#inflight.delete(client)
    if (!mine) return
    for (const entry of mine.values()) this.dispatch(entry, client)
  }
}
