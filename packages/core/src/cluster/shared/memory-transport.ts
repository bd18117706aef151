import type { ShareDispatcher, SharedPacket } from './dispatcher.js'
import { ShareFilterIndex } from './filter-index.js'
import type { ShareKey } from './share-filter.js'

export interface ShareTransport {
  /** Called from aedes' `published` hook for every publish on this node; resolves once the message is handed over. */
  publish: (packet: SharedPacket) => Promise<void>
  /** Does any shared subscription (anywhere in the cluster) match? The common answer, no, costs no promise. */
  matches: (topic: string) => boolean
  /** Before the SUBACK of a new member: make sure publishes from now on reach the subscription. */
  register: (share: ShareKey) => Promise<void>
  /** Another node announced a subscription. */
  announced?: (share: ShareKey) => void
  keyAdded: (share: ShareKey) => Promise<void>
  keyRemoved: (share: ShareKey) => void
  close: () => Promise<void>
}

/** Single node: a publish goes straight to a local member; with none, it is dropped. */
export function createMemoryShareTransport (dispatcher: ShareDispatcher, onNoMember: () => void): ShareTransport {
  const index = new ShareFilterIndex()
  let active: ShareKey[] = []
  return {
    matches: (topic) => index.size > 0 && index.match(topic).length > 0,
    publish: async (packet) => {
      for (const key of index.match(packet.topic)) {
        dispatcher.dispatch({ key, packet, ack: noop, release: onNoMember })
      }
    },
    register: async (share) => { index.add(share) },
    keyAdded: async (share) => {
      active.push(share)
      index.add(share)
    },
    keyRemoved: (share) => {
      active = active.filter((s) => s.key !== share.key)
      index.replaceAll(active)
    },
    close: async () => {}
  }
}

function noop (): void {}
