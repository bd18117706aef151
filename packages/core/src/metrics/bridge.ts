import { Counter, Gauge, type Registry } from 'prom-client'

/** What the bridge collectors read at scrape time (the broker's bridges). */
export interface BridgeMetricSource {
  states: () => ReadonlyArray<{ name: string, role: string, connected: boolean, buffered: number, messagesIn: number, messagesOut: number, dropped: number }>
  /** Re-read buffer lengths before a scrape (cluster: LLEN in Redis); failures keep the last value. */
  refresh: () => Promise<void>
}

/**
 * siar_bridge_* on the broker's registry. The `bridge` label is the
 * operator's bridge name: a short, configured list, so bounded. Without
 * bridges the metrics have no series (only their HELP and TYPE lines).
 */
export function registerBridgeMetrics (registry: Registry, src: BridgeMetricSource): void {
  new Gauge({
    name: 'siar_bridge_connected',
    help: '1 while this node is connected to the bridge remote, else 0 (in a cluster only the lease holder connects)',
    labelNames: ['bridge'],
    registers: [registry],
    collect () {
      for (const s of src.states()) this.set({ bridge: s.name }, s.connected ? 1 : 0)
    }
  })
  new Gauge({
    name: 'siar_bridge_owner',
    help: '1 while this node runs the bridge (holds its cluster lease), else 0',
    labelNames: ['bridge'],
    registers: [registry],
    collect () {
      for (const s of src.states()) this.set({ bridge: s.name }, s.role === 'owner' ? 1 : 0)
    }
  })
  new Gauge({
    name: 'siar_bridge_buffered_messages',
    help: 'Outbound messages waiting for the remote (cluster: the shared buffer in Redis)',
    labelNames: ['bridge'],
    registers: [registry],
    async collect () {
      await src.refresh().catch(() => {})
      for (const s of src.states()) this.set({ bridge: s.name }, s.buffered)
    }
  })
  new Counter({
    name: 'siar_bridge_messages_total',
    help: 'Messages this node moved across a bridge: in = from the remote, out = acknowledged by the remote',
    labelNames: ['bridge', 'direction'],
    registers: [registry],
    collect () {
      this.reset()
      for (const s of src.states()) {
        this.inc({ bridge: s.name, direction: 'in' }, s.messagesIn)
        this.inc({ bridge: s.name, direction: 'out' }, s.messagesOut)
      }
    }
  })
  new Counter({
    name: 'siar_bridge_messages_dropped_total',
    help: 'Outbound messages dropped on this node: buffer full, or refused by the remote',
    labelNames: ['bridge'],
    registers: [registry],
    collect () {
      this.reset()
      for (const s of src.states()) this.inc({ bridge: s.name }, s.dropped)
    }
  })
}
