import { EventEmitter } from 'node:events'
import type { Aedes } from 'aedes'
import type { Redis } from 'ioredis'
import type { IPublishPacket } from 'mqtt'
import type { Logger } from '../logger.js'
import type { BridgeOptions } from '../options.js'
import { compileTopicRules } from './topic-rules.js'
import { createMemoryBuffer, createRedisBuffer, type OutboundBuffer } from './outbound-buffer.js'
import { createLocalLease, createRedisLease, type BridgeLease } from './lease.js'
import { startRemoteLink, type RemoteLink } from './remote-link.js'
import { describeRemote } from './remote-options.js'
import { createSignal, runSender } from './sender.js'
import { carriedProperties } from './properties.js'
import { createDropLog } from './drop-log.js'

/**
 * The origin stamped on messages a bridge brings in (as the packet's
 * clientId, which aedes carries with the message, also across the Redis bus).
 * A client id must not contain U+0000 [MQTT-1.5.4-2], so no well-behaved
 * client collides with it. A message with this origin never goes back out of the
 * same bridge: that is the loop prevention.
 */
export const BRIDGE_ORIGIN_PREFIX = '\u0000bridge:'

export interface BridgeState {
  name: string
  /** Remote URL without credentials. */
  remote: string
  /** owner: this node runs the bridge; standby: another node of the cluster does. */
  role: 'owner' | 'standby' | 'stopped'
  connected: boolean
  /** Outbound messages waiting (this node's view; cluster: the shared list in Redis). */
  buffered: number
  messagesIn: number
  messagesOut: number
  /** Outbound messages dropped: buffer full, or refused by the remote. */
  dropped: number
  lastError?: string
}

export interface Bridge {
  readonly name: string
  /** Every message published on this node: buffered for the remote when an `out` rule takes it. */
  capture: (packet: { topic: string, payload: Buffer, qos: number, retain: boolean, clientId?: string, properties?: any }) => Promise<void>
  state: () => BridgeState
  /** Re-read the buffer length (a Redis round trip in cluster mode). */
  refreshBuffered: () => Promise<number>
  readonly events: EventEmitter<{ state: [state: BridgeState] }>
  stop: () => Promise<void>
}

export interface BridgeDeps {
  aedes: Aedes
  nodeId: string
  /** Cluster mode: the backplane's command connection (keys carry the cluster prefix). */
  redis?: Redis
  log: Logger
}

export function createBridge (b: BridgeOptions, deps: BridgeDeps): Bridge {
  const { aedes, log } = deps
  const origin = BRIDGE_ORIGIN_PREFIX + b.name
  const rules = compileTopicRules(b.topics)
  const events = new EventEmitter<{ state: [state: BridgeState] }>()
  const keys = { queue: `bridge:${b.name}:queue`, lease: `bridge:${b.name}:lease`, fence: `bridge:${b.name}:fence` }
  const buffer: OutboundBuffer = deps.redis ? createRedisBuffer(deps.redis, keys, b.outboundBufferSize) : createMemoryBuffer(b.outboundBufferSize)
  const lease: BridgeLease = deps.redis
    ? createRedisLease({ db: deps.redis, keys, nodeId: deps.nodeId, ttlMs: b.leaseTtlMs, log })
    : createLocalLease()
  const signal = createSignal()
  const dropLog = createDropLog(log, b.outboundBufferSize)
  const counts = { in: 0, out: 0, dropped: 0, buffered: 0 }
  let link: RemoteLink | undefined
  let role: BridgeState['role'] = deps.redis ? 'standby' : 'owner'
  let stopped = false
  let sending: Promise<void> | undefined
  const wakeFilters = rules.rules.filter((r) => r.out).map((r) => r.localFilter)
  // Cluster: peers append to the Redis list after routing; their message reaching us is the cue to look.
  // A few milliseconds later: the peer's RPUSH follows its bus publish.
  let wakeTimer: NodeJS.Timeout | undefined
  const wake = (packet: any, cb: () => void): void => {
    if (packet.clientId !== origin && !wakeTimer) {
      wakeTimer = setTimeout(() => { wakeTimer = undefined; signal.notify() }, 5)
    }
    cb()
  }

  const state = (): BridgeState => ({
    name: b.name,
    remote: describeRemote(b.url),
    role,
    connected: link?.session() !== undefined,
    buffered: counts.buffered,
    messagesIn: counts.in,
    messagesOut: counts.out,
    dropped: counts.dropped,
    ...(link?.lastError() ? { lastError: link.lastError() } : {})
  })
  // An event per change of role or connection, not per failed reconnect attempt.
  let lastEmitted = ''
  const changed = (): void => {
    const now = state()
    const key = `${now.role}:${String(now.connected)}`
    if (key === lastEmitted) return
    lastEmitted = key
    events.emit('state', now)
  }

  function inbound (packet: IPublishPacket, ack: (err?: Error) => void): void {
    const hit = rules.inbound(packet.topic)
    if (!hit) return ack()
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
    const properties = carriedProperties(packet.properties)
    aedes.publish({
      cmd: 'publish',
      topic: hit.topic,
      payload,
      qos: Math.min(packet.qos, hit.rule.qos) as 0 | 1 | 2,
      retain: packet.retain,
      dup: false,
      clientId: origin,
      ...(properties ? { properties } : {})
    } as any, (err?: Error) => {
      if (!err) counts.in++
      // The remote's PUBACK waits for local routing (cluster: Redis took it).
      ack(err ?? undefined)
    })
  }

  function becomeOwner (): void {
    if (stopped || link) return
    role = 'owner'
    log.info({ remote: describeRemote(b.url) }, 'bridge: this node runs it')
    link = startRemoteLink(b, { log, onMessage: inbound })
    link.events.on('up', (session) => {
      for (const rule of rules.rules.filter((r) => r.in)) {
        // MQTT 5: no-local keeps our own outbound messages from coming back [MQTT-3.8.3-3];
        // retain-as-published keeps the retained flag of forwarded messages.
        const opts = b.protocolVersion === 5
          ? { qos: Math.min(rule.qos, session.maxQos) as 0 | 1 | 2, nl: true, rap: true }
          : { qos: Math.min(rule.qos, session.maxQos) as 0 | 1 | 2 }
        session.client.subscribe(rule.remoteFilter, opts, (err) => {
          if (err) log.warn({ filter: rule.remoteFilter, err: err.message }, 'bridge: remote refused a subscription')
        })
      }
      signal.notify()
      changed()
    })
    link.events.on('down', changed)
    if (deps.redis) for (const f of wakeFilters) aedes.subscribe(f, wake, () => {})
    sending ??= runSender({
      buffer,
      lease,
      session: () => link?.session(),
      signal,
      log,
      onSent: (sent, refused) => {
        counts.out += sent
        counts.buffered = Math.max(0, counts.buffered - sent - refused)
        if (refused > 0) {
          counts.dropped += refused
          log.warn({ refused }, 'bridge: the remote refused messages (error reason code); dropped')
        }
      }
    }, () => !stopped && role === 'owner').finally(() => { sending = undefined })
    changed()
  }

  async function becomeStandby (next: BridgeState['role']): Promise<void> {
    const l = link
    link = undefined
    clearTimeout(wakeTimer)
    wakeTimer = undefined
    if (role === 'owner' && deps.redis) for (const f of wakeFilters) aedes.unsubscribe(f, wake, () => {})
    role = next
    signal.notify()
    if (l) {
      if (next === 'standby') log.warn('bridge: lease lost; disconnecting from the remote')
      await l.stop()
    }
    await sending
    changed()
  }

  lease.events.on('change', (held) => {
    if (stopped) return
    if (held) becomeOwner()
    else becomeStandby('standby').catch((err: Error) => log.error({ err }, 'bridge: could not stand down'))
  })

  return {
    name: b.name,
    capture: async (packet) => {
      if (packet.clientId === origin) return
      const hit = rules.outbound(packet.topic)
      if (!hit) return
      const properties = carriedProperties(packet.properties)
      const length = await buffer.push({
        topic: hit.topic,
        payload: packet.payload,
        qos: Math.min(packet.qos, hit.rule.qos) as 0 | 1 | 2,
        retain: packet.retain,
        ...(properties ? { properties } : {})
      })
      if (length < 0) {
        counts.dropped++
        dropLog.dropped()
        return
      }
      counts.buffered = length
      dropLog.accepted()
      signal.notify()
    },
    state,
    refreshBuffered: async () => {
      counts.buffered = await buffer.length()
      return counts.buffered
    },
    events,
    stop: async () => {
      if (stopped) return
      stopped = true
      await becomeStandby('stopped')
      await lease.stop()
    }
  }
}
