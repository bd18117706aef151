import type { Aedes } from 'aedes'
import type { Logger } from '../../logger.js'
import type { Backplane } from '../../backplane/types.js'
import { tapIncomingPackets } from '../../aedes-fixes/client-internals.js'
import { ShareDispatcher } from './dispatcher.js'
import { LocalMembers } from './members.js'
import { createMemoryShareTransport, type ShareTransport } from './memory-transport.js'
import { createRedisShareTransport } from './redis-transport.js'
import { fromInternal, parseShareFilter, toInternal } from './share-filter.js'

/** Announces a new shared subscription to the other nodes at once. */
const CHANGED_TOPIC = '$SYS/siar/share/changed'
/** Shared subscriptions are granted at most QoS 1: no QoS 2 flow outlives the member it started with. */
const MAX_SHARED_QOS = 1

export interface SharedSubscriptions {
  /** From preConnect: rewrite `$share/` filters of this connection and watch its acks. */
  attach: (client: any) => void
  /** aedes' `published` hook. */
  published: (packet: any, client: any, done: (err?: Error | null) => void) => void
  deliveredCount: () => number
  close: () => Promise<void>
}

export function createSharedSubscriptions (deps: {
  aedes: Aedes
  backplane: Backplane
  nodeId: string
  log: Logger
  onNoMember: () => void
}): SharedSubscriptions {
  const aedes = deps.aedes as any
  const members = new LocalMembers()
  const dispatcher = new ShareDispatcher(members, (client, packet) => aedes.authorizeForward(client, packet))
  const redis = deps.backplane.redis
  const transport: ShareTransport = redis
    ? createRedisShareTransport({
      db: redis.db,
      prefix: redis.keyPrefix,
      nodeId: deps.nodeId,
      dispatcher,
      log: deps.log,
      notifyChanged: () => aedes.publish({ topic: CHANGED_TOPIC, payload: Buffer.from(deps.nodeId) }, () => {})
    })
    : createMemoryShareTransport(dispatcher, deps.onNoMember)
  if (redis) {
    aedes.mq.on(CHANGED_TOPIC, (_packet: unknown, cb: () => void) => {
      ;(transport as { reload?: () => Promise<void> }).reload?.().catch(() => {})
      cb()
    })
  }
  members.onKeyAdded = (share) => {
    transport.keyAdded(share).catch((err: Error) => deps.log.warn({ err: err.message, group: share.group }, 'shared subscription not registered in Redis yet; retrying with the next refresh'))
  }
  members.onKeyRemoved = (share) => transport.keyRemoved(share)

  const addFrom = (client: any, topic: string, qos: number): void => {
    const share = fromInternal(topic)
    if (share) members.add(share, { client, qos: Math.min(qos, MAX_SHARED_QOS) as 0 | 1 })
  }
  // Members come from live SUBSCRIBEs and from sessions restored on connect.
  aedes.on('subscribe', (subs: Array<{ topic: string, qos: number }>, client: any) => {
    for (const sub of subs) if (sub.qos < 0x80) addFrom(client, sub.topic, sub.qos)
  })
  aedes.on('clientReady', (client: any) => {
    for (const [topic, sub] of Object.entries(client.subscriptions ?? {})) addFrom(client, topic, (sub as { qos: number }).qos)
  })
  aedes.on('unsubscribe', (topics: string[], client: any) => {
    for (const topic of topics) {
      const share = fromInternal(topic)
      if (share) members.remove(share, client.id)
    }
  })
  aedes.on('clientDisconnect', (client: any) => {
    members.removeClient(client)
    dispatcher.memberLeft(client)
  })

  return {
    attach: (client) => {
      tapIncomingPackets(client, (packet) => {
        if (packet.cmd === 'subscribe') {
          for (const sub of packet.subscriptions) {
            const share = parseShareFilter(sub.topic)
            if (!share) continue
            sub.topic = toInternal(share)
            if (sub.qos > MAX_SHARED_QOS) sub.qos = MAX_SHARED_QOS
          }
        } else if (packet.cmd === 'unsubscribe') {
          packet.unsubscriptions = packet.unsubscriptions.map((t: string) => {
            const share = parseShareFilter(t)
            return share ? toInternal(share) : t
          })
        } else if (packet.cmd === 'puback') {
          dispatcher.acknowledged(client, packet.messageId)
        }
      })
    },
    published: (packet, _client, done) => {
      if (packet.topic.startsWith('$SYS/')) return done()
      transport.publish(packet).then(() => done(), (err: Error) => done(err))
    },
    deliveredCount: () => dispatcher.delivered,
    close: () => transport.close()
  }
}
