import type { Redis } from 'ioredis'
import { Packr } from 'msgpackr'

/** A message on its way to the remote broker, already mapped to the remote topic. */
export interface OutboundMessage {
  topic: string
  payload: Buffer
  qos: 0 | 1 | 2
  retain: boolean
  /** MQTT 5 properties worth carrying across (user properties, content type, ...). */
  properties?: Record<string, unknown>
}

/**
 * Messages waiting for the remote, oldest first. Every node of a cluster
 * appends (for the messages its own clients publish, before their PUBACK);
 * only the node holding the bridge lease reads and removes, and its removal is
 * fenced: a node that lost the lease cannot remove what the new owner has not
 * sent yet.
 */
export interface OutboundBuffer {
  /** The new length, or -1 when the buffer is at its bound (the message is dropped). */
  push: (message: OutboundMessage) => Promise<number>
  /** Up to `max` messages from the head, without removing them. */
  peek: (max: number) => Promise<OutboundMessage[]>
  /** Remove `count` messages from the head if `fence` still holds the lease; false when it does not. */
  remove: (count: number, fence: string) => Promise<boolean>
  length: () => Promise<number>
}

/** Single node: an array; lost with the process, like the node's own offline queues. */
export function createMemoryBuffer (bound: number): OutboundBuffer {
  const items: OutboundMessage[] = []
  return {
    push: async (m) => {
      if (items.length >= bound) return -1
      return items.push(m)
    },
    peek: async (max) => items.slice(0, max),
    remove: async (count) => {
      items.splice(0, count)
      return true
    },
    length: async () => items.length
  }
}

// Plain maps (no records), as the Redis bus encodes packets.
const packr = new Packr({ useRecords: false, moreTypes: false })

// RPUSH unless the list is at the bound (checked and pushed atomically).
const PUSH_SCRIPT = `if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
return redis.call('RPUSH', KEYS[1], ARGV[1])`
// LTRIM only while the caller's lease value is still the one in Redis (fencing).
const REMOVE_SCRIPT = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('LTRIM', KEYS[2], tonumber(ARGV[2]), -1)
return 1`

interface BufferCommands {
  siarBridgePush: (key: string, value: Buffer, bound: number) => Promise<number>
  siarBridgeRemove: (leaseKey: string, key: string, fence: string, count: number) => Promise<number>
}

/**
 * Cluster mode: a Redis list per bridge (`<prefix>bridge:<name>:queue`), so
 * what a node accepted survives that node and the next owner sends it.
 */
export function createRedisBuffer (db: Redis, keys: { queue: string, lease: string }, bound: number): OutboundBuffer {
  const commands = db as unknown as Redis & BufferCommands
  if (typeof commands.siarBridgePush !== 'function') {
    db.defineCommand('siarBridgePush', { numberOfKeys: 1, lua: PUSH_SCRIPT })
    db.defineCommand('siarBridgeRemove', { numberOfKeys: 2, lua: REMOVE_SCRIPT })
  }
  return {
    push: async (m) => await commands.siarBridgePush(keys.queue, packr.pack(encode(m)), bound),
    peek: async (max) => {
      const raw = await db.lrangeBuffer(keys.queue, 0, max - 1)
      return raw.map((b) => decode(packr.unpack(b)))
    },
    remove: async (count, fence) => (await commands.siarBridgeRemove(keys.lease, keys.queue, fence, count)) === 1,
    length: async () => await db.llen(keys.queue)
  }
}

function encode (m: OutboundMessage): Record<string, unknown> {
  return { t: m.topic, p: m.payload, q: m.qos, r: m.retain, ...(m.properties ? { o: m.properties } : {}) }
}

function decode (raw: any): OutboundMessage {
  const payload = Buffer.isBuffer(raw.p) ? raw.p : Buffer.from(raw.p ?? [])
  return { topic: String(raw.t), payload, qos: raw.q, retain: raw.r === true, ...(raw.o ? { properties: raw.o } : {}) }
}
