import type { Redis } from 'ioredis'
import { Packr } from 'msgpackr'
import type { Logger } from '../../logger.js'
import type { ShareDispatcher } from './dispatcher.js'
import { ShareFilterIndex } from './filter-index.js'
import type { ShareTransport } from './memory-transport.js'
import type { ShareKey } from './share-filter.js'

/** Timing of the Redis side of shared subscriptions (milliseconds). */
export const SHARE_TIMING = {
  /** Members' nodes refresh their groups' entry this often; an entry twice older than GROUP_TTL is ignored. */
  refreshMs: 3_000,
  groupTtlMs: 15_000,
  /** Other nodes re-read the group list this often (and at once on a change notice). */
  reloadMs: 2_000,
  /** A message delivered to a node but not acknowledged this long is taken over by another node. */
  reclaimIdleMs: 5_000,
  blockMs: 1_000
}
/** Stream length kept per shared subscription (approximate trim): the backlog bound. */
export const SHARE_STREAM_MAXLEN = 10_000
/** Entries one read takes: small, so a busy group's load spreads across nodes. */
export const SHARE_READ_BATCH = 10

const packr = new Packr({ useRecords: false, moreTypes: false })
const GROUP = 'siar'

/**
 * Cluster-wide shared subscriptions on Redis Streams. A publish matching a
 * shared subscription anywhere in the cluster is XADDed to that subscription's
 * stream before it is acknowledged; every node with members reads the stream
 * as one consumer of a consumer group, so Redis hands each entry to exactly one
 * node, and the node to one member. An entry is XACKed only when the member
 * acknowledged it (QoS 1) or it was written (QoS 0); entries left pending by a
 * node that died or lost its members are claimed by another after
 * reclaimIdleMs (XAUTOCLAIM). The guarantee is at least once per group.
 */
export function createRedisShareTransport (deps: {
  db: Redis
  prefix: string
  nodeId: string
  dispatcher: ShareDispatcher
  log: Logger
  /** Tell every node about a subscription; resolves once Redis has passed the notice on. */
  notifyChanged: (share: ShareKey) => Promise<void>
}): ShareTransport & { reload: () => Promise<void> } {
  const { prefix, nodeId, dispatcher, log } = deps
  // Stream commands take their keys after STREAMS; we prefix by hand, so no ioredis keyPrefix here.
  const redis = deps.db.duplicate({ keyPrefix: '', enableOfflineQueue: true, enableAutoPipelining: false })
  redis.on('error', () => {})
  const groupsKey = `${prefix}share:groups`
  const streamKey = (key: string): string => `${prefix}share:s:${key}`
  const index = new ShareFilterIndex()
  const local = new Map<string, ShareKey>()
  let closed = false

  const reload = async (): Promise<void> => {
    const all = await redis.hgetall(groupsKey)
    const now = Date.now()
    const shares: ShareKey[] = []
    for (const [key, seen] of Object.entries(all)) {
      const slash = key.indexOf('/')
      if (now - Number(seen) < SHARE_TIMING.groupTtlMs && slash > 0) shares.push({ key, group: key.slice(0, slash), filter: key.slice(slash + 1) })
    }
    for (const share of local.values()) if (!shares.some((s) => s.key === share.key)) shares.push(share)
    index.replaceAll(shares)
  }

  const announce = async (): Promise<void> => {
    if (local.size === 0) return
    const now = String(Date.now())
    await redis.hset(groupsKey, Object.fromEntries([...local.keys()].map((k) => [k, now])))
  }

  const entryFor = (key: string, id: string, fields: Buffer[]): void => {
    const raw = fields[1]
    if (!raw) return
    const packet = packr.unpack(raw)
    if (packet.payload !== undefined && !Buffer.isBuffer(packet.payload)) packet.payload = Buffer.from(packet.payload)
    dispatcher.dispatch({
      key,
      packet,
      ack: () => { redis.xack(streamKey(key), GROUP, id).catch(() => {}) },
      release: () => {} // stays pending: claimed by another node after reclaimIdleMs
    })
  }

  // One blocking reader per subscription this node has members for: Redis serves the
  // readers blocked on one stream in turn, which spreads a group's load across nodes.
  // (One connection reading several streams would always lose the race for some.)
  const readers = new Map<string, Redis>()
  const readLoop = async (key: string, reader: Redis): Promise<void> => {
    while (!closed && readers.get(key) === reader) {
      try {
        const res = await reader.callBuffer('XREADGROUP', 'GROUP', GROUP, nodeId, 'COUNT', SHARE_READ_BATCH, 'BLOCK', SHARE_TIMING.blockMs,
          'STREAMS', streamKey(key), '>') as Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null
        for (const [, entries] of res ?? []) {
          for (const [id, fields] of entries) entryFor(key, id.toString(), fields)
        }
      } catch (err) {
        if (closed || readers.get(key) !== reader) return
        const message = (err as Error).message
        if (message.includes('NOGROUP')) await ensureGroup(key).catch(() => {})
        else log.debug({ err: message }, 'shared subscription read failed; retrying')
        await delay(500)
      }
    }
  }
  const startReader = (key: string): void => {
    if (readers.has(key)) return
    const reader = deps.db.duplicate({ keyPrefix: '', enableOfflineQueue: true, maxRetriesPerRequest: null, enableAutoPipelining: false })
    reader.on('error', () => {})
    readers.set(key, reader)
    void readLoop(key, reader)
  }
  const stopReader = (key: string): void => {
    const reader = readers.get(key)
    readers.delete(key)
    reader?.disconnect()
  }

  const reclaim = async (): Promise<void> => {
    for (const key of local.keys()) {
      const res = await redis.callBuffer('XAUTOCLAIM', streamKey(key), GROUP, nodeId, SHARE_TIMING.reclaimIdleMs, '0-0', 'COUNT', 100) as [Buffer, Array<[Buffer, Buffer[] | null]>]
      for (const [id, fields] of res?.[1] ?? []) {
        if (fields) entryFor(key, id.toString(), fields)
        else await redis.xack(streamKey(key), GROUP, id.toString()) // trimmed away meanwhile
      }
    }
  }

  const ensureGroup = async (key: string): Promise<void> => {
    try {
      await redis.xgroup('CREATE', streamKey(key), GROUP, '$', 'MKSTREAM')
    } catch (err) {
      if (!(err as Error).message.includes('BUSYGROUP')) throw err
    }
  }

  const timers = [
    setInterval(() => { announce().catch(() => {}) }, SHARE_TIMING.refreshMs),
    setInterval(() => { reload().catch(() => {}) }, SHARE_TIMING.reloadMs),
    setInterval(() => { reclaim().catch((err: Error) => log.debug({ err: err.message }, 'shared subscription reclaim failed')) }, SHARE_TIMING.reclaimIdleMs / 2)
  ]
  for (const t of timers) t.unref()
  void reload().catch(() => {})

  return {
    reload,
    matches: (topic) => index.size > 0 && index.match(topic).length > 0,
    publish: async (packet) => {
      const keys = index.match(packet.topic)
      if (keys.length === 0) return
      const body = packr.pack({ topic: packet.topic, payload: packet.payload, qos: packet.qos, properties: packet.properties })
      await Promise.all(keys.map((key) => redis.xadd(streamKey(key), 'MAXLEN', '~', SHARE_STREAM_MAXLEN, '*', 'p', body)))
    },
    register: async (share) => {
      index.add(share)
      await ensureGroup(share.key)
      await redis.hset(groupsKey, share.key, String(Date.now()))
      await deps.notifyChanged(share)
    },
    announced: (share) => index.add(share),
    keyAdded: async (share) => {
      local.set(share.key, share)
      index.add(share)
      await ensureGroup(share.key)
      startReader(share.key)
      await announce()
    },
    keyRemoved: (share) => {
      local.delete(share.key)
      stopReader(share.key)
    },
    close: async () => {
      closed = true
      for (const t of timers) clearInterval(t)
      for (const key of [...readers.keys()]) stopReader(key)
      await redis.quit().catch(() => redis.disconnect())
    }
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref())
