import type { EventEmitter } from 'node:events'
import type { Redis } from 'ioredis'

export interface BackplaneStatus {
  /** Can this node store and route right now? */
  ok: boolean
  detail?: string
}

export interface BackplaneEvents {
  status: [status: BackplaneStatus]
}

/** What stays local (memory) or goes through Redis: aedes' persistence and message bus. */
export interface Backplane {
  kind: 'memory' | 'redis'
  /** aedes persistence: sessions, subscriptions, queues, retained, wills. */
  persistence: any
  /** aedes message emitter: routes publishes to subscribers. */
  mq: any
  status: () => BackplaneStatus
  events: EventEmitter<BackplaneEvents>
  /** Redis connections (cluster mode only), for cluster features and instrumentation. */
  redis?: { db: Redis, pub: Redis, sub: Redis, keyPrefix: string }
  /** Messages in a session's shared queue (cluster mode), for the offline queue cap. */
  queueLength?: (clientId: string) => Promise<number>
  close: () => Promise<void>
}
