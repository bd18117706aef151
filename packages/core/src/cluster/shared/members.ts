import type { ShareKey } from './share-filter.js'

export interface Member {
  client: any
  /** Granted QoS, at most 1 (see share-interceptor.ts). */
  qos: 0 | 1
}

/**
 * This node's members of each shared subscription, and a round-robin pick
 * among them so load spreads [MQTT-4.8.2-3: each message to one member].
 */
export class LocalMembers {
  readonly #byKey = new Map<string, { share: ShareKey, members: Member[], next: number }>()
  onKeyAdded: (share: ShareKey) => void = () => {}
  onKeyRemoved: (share: ShareKey) => void = () => {}

  add (share: ShareKey, member: Member): void {
    let entry = this.#byKey.get(share.key)
    if (!entry) {
      entry = { share, members: [], next: 0 }
      this.#byKey.set(share.key, entry)
      this.onKeyAdded(share)
    }
    const existing = entry.members.findIndex((m) => m.client.id === member.client.id)
    if (existing >= 0) entry.members[existing] = member
    else entry.members.push(member)
  }

  remove (share: ShareKey, clientId: string): void {
    const entry = this.#byKey.get(share.key)
    if (!entry) return
    entry.members = entry.members.filter((m) => m.client.id !== clientId)
    if (entry.members.length === 0) {
      this.#byKey.delete(share.key)
      this.onKeyRemoved(share)
    }
  }

  removeClient (client: any): void {
    for (const { share, members } of [...this.#byKey.values()]) {
      if (members.some((m) => m.client === client)) this.remove(share, client.id)
    }
  }

  /** The next connected member, skipping `exclude` (one that just failed). */
  pick (key: string, exclude?: any): Member | undefined {
    const entry = this.#byKey.get(key)
    if (!entry) return undefined
    for (let i = 0; i < entry.members.length; i++) {
      const member = entry.members[entry.next++ % entry.members.length] as Member
      if (member.client !== exclude && !member.client.closed && member.client.connected) return member
    }
    return undefined
  }

  keys (): ShareKey[] {
    return [...this.#byKey.values()].map((e) => e.share)
  }

  has (key: string): boolean {
    return this.#byKey.has(key)
  }
}
