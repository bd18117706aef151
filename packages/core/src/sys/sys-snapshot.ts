import type { BrokerMetrics } from '../metrics/broker-metrics.js'
import { sumOf } from '../metrics/stats.js'
import type { SysSnapshot } from './sys-topics.js'

export interface SysSnapshotSources {
  aedes: any
  metrics: BrokerMetrics
  offlineQueued: () => number
  version: string
}

/** Read the figures $SYS reports from the same counters /metrics exposes, so the two always agree. */
export function createSysSnapshot (src: SysSnapshotSources): () => Promise<SysSnapshot> {
  const { stats } = src.metrics
  return async () => {
    const store = await src.metrics.store()
    const bytes = src.metrics.bytes()
    return {
      version: src.version,
      uptimeSeconds: (Date.now() - stats.startedAtMs) / 1000,
      clientsConnected: src.aedes.connectedClients,
      clientsDisconnected: stats.disconnectedSessions.size,
      clientsMaximum: stats.clientsMaximum,
      clientsExpired: stats.sessionsExpired,
      publishReceived: sumOf(stats.publishReceived),
      publishSent: sumOf(stats.publishDelivered),
      publishDropped: sumOf(Object.values(stats.dropped)),
      inflight: stats.inflight,
      retained: store.retained,
      offlineQueued: src.offlineQueued(),
      // Clean sessions' subscriptions live only on their connection; persistent
      // ones are in the store whether or not the client is connected.
      subscriptions: store.storedSubscriptions + cleanSubscriptions(src.aedes),
      bytesReceived: bytes.in,
      bytesSent: bytes.out,
      connections: stats.connects,
      sockets: sumOf(Object.values(stats.connectionsAccepted)),
      heapUsedBytes: process.memoryUsage().heapUsed
    }
  }
}

function cleanSubscriptions (aedes: any): number {
  let count = 0
  for (const id in aedes.clients) {
    const client = aedes.clients[id]
    if (client.clean) count += Object.keys(client.subscriptions).length
  }
  return count
}
