import type { Aedes } from 'aedes'
import type { Logger } from '../../logger.js'
import type { Backplane } from '../../backplane/types.js'
import { tapIncomingPackets } from '../../aedes-fixes/client-internals.js'
import { ShareDispatcher } from './dispatcher.js'
import { LocalMembers } from './members.js'
import { createMemoryShareTransport, type ShareTransport } from './memory-transport.js'
import { createRedisShareTransport } from './redis-transport.js'
import { fromInternal, parseShareFilter, toInternal, type ShareKey } from './share-filter.js'

/** Announces a new shared subscription to the other nodes at once. */
const CHANGED_TOPIC = '$SYS/siar/share/changed'
/** Shared subscriptions are granted at most QoS 1: no QoS 2 flow outlives the member it started with. */
const MAX_SHARED_QOS = 1

type AuthorizeSubscribe = (client: any, sub: any, done: (err: Error | null, sub?: any) => void) => void

export interface SharedSubscriptions {
  /** From preConnect: rewrite `$share/` filters of this connection and watch its acks. */
  attach: (client: any) => void
  /** Wraps aedes' authorizeSubscribe: a new shared subscription is known cluster-wide before its SUBACK. */
  authorizeSubscribe: (inner: AuthorizeSubscribe) => AuthorizeSubscribe
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
      notifyChanged: (share) => new Promise<void>((resolve, reject) => {
        aedes.publish({ topic: CHANGED_TOPIC, payload: Buffer.from(JSON.stringify(share)) }, (err?: Error) => (err ? reject(err) : resolve()))
      })
    })
    : createMemoryShareTransport(dispatcher, deps.onNoMember)
  if (redis) {
    aedes.mq.on(CHANGED_TOPIC, (packet: { payload: Buffer }, cb: () => void) => {
      try {
        const share = JSON.parse(packet.payload.toString()) as ShareKey
        if (typeof share.key === 'string' && typeof share.filter === 'string') transport.announced?.(share)
      } catch { /* a notice from an older node: the periodic reload covers it */ }
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
    authorizeSubscribe: (inner) => (client, sub, done) => {
      inner(client, sub, (err, granted) => {
        const share = !err && granted ? fromInternal(granted.topic) : null
        if (!share) return done(err, granted)
        transport.register(share).then(() => done(null, granted), (regErr: Error) => {
          deps.log.warn({ err: regErr.message, group: share.group }, 'shared subscription could not be registered; refusing it')
          done(regErr)
        })
      })
    },
    published: (packet, _client, done) => {
      if (packet.topic.startsWith('$SYS/') || !transport.matches(packet.topic)) return done()
      transport.publish(packet).then(() => done(), (err: Error) => done(err))
    },
    deliveredCount: () => dispatcher.delivered,
    close: () => transport.close()
  }
}
