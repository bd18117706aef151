import { EventEmitter } from 'node:events'
import type { Aedes } from 'aedes'
import type { Redis } from 'ioredis'
import type { Logger } from '../logger.js'
import type { BridgeOptions } from '../options.js'
import { createBridge, type Bridge, type BridgeState } from './bridge.js'

export interface BridgesDeps {
  aedes: Aedes
  nodeId: string
  /** Cluster mode: buffers and leases in Redis. */
  redis?: Redis
  log: Logger
}

/** Every configured bridge of a broker. */
export interface Bridges {
  readonly list: readonly Bridge[]
  /** aedes' `published` hook: runs before a QoS 1 PUBACK in cluster mode, so an acked message is buffered. */
  published: (packet: any, done: (err?: Error) => void) => void
  states: () => BridgeState[]
  readonly events: EventEmitter<{ state: [state: BridgeState] }>
  stop: () => Promise<void>
}

export function createBridges (configs: readonly BridgeOptions[], deps: BridgesDeps): Bridges {
  const events = new EventEmitter<{ state: [state: BridgeState] }>()
  const list = configs.map((b) => {
    const bridge = createBridge(b, { ...deps, log: deps.log.child({ bridge: b.name }) })
    bridge.events.on('state', (s) => events.emit('state', s))
    return bridge
  })
  return {
    list,
    published: (packet, done) => {
      if (list.length === 0) return done()
      Promise.all(list.map((b) => b.capture(packet))).then(() => done(), (err: Error) => {
        // Not buffered (Redis away): refuse a QoS 1/2 publish so its client
        // sends it again; QoS 0 is at most once anyway.
        if (packet.qos > 0) done(new Error(`bridge buffer unavailable: ${err.message}`, { cause: err }))
        else done()
      })
    },
    states: () => list.map((b) => b.state()),
    events,
    stop: async () => { await Promise.all(list.map((b) => b.stop())) }
  }
}
