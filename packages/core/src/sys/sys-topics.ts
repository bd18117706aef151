import { createLoadAverage, LOAD_WINDOWS, type LoadAverage } from './load-average.js'

/**
 * The $SYS tree, with Mosquitto's topic names and payload formats where
 * Mosquitto has the figure, so tools written for it (MQTT Explorer, existing
 * dashboards) read siar unchanged. Differences, documented in
 * docs/observability.md: messages/received and messages/sent count PUBLISH
 * packets only (Mosquitto counts every packet type).
 */
export const SYS_PREFIX = '$SYS/broker/'

export interface SysSnapshot {
  version: string
  uptimeSeconds: number
  clientsConnected: number
  clientsDisconnected: number
  clientsMaximum: number
  clientsExpired: number
  publishReceived: number
  publishSent: number
  publishDropped: number
  inflight: number
  retained: number
  offlineQueued: number
  subscriptions: number
  bytesReceived: number
  bytesSent: number
  /** Connections that completed CONNECT, and sockets accepted (running totals). */
  connections: number
  sockets: number
  heapUsedBytes: number
}

/** The load figures kept between ticks, keyed by their topic under load/. */
const LOAD_SERIES = {
  'messages/received': (s: SysSnapshot) => s.publishReceived,
  'messages/sent': (s: SysSnapshot) => s.publishSent,
  'publish/received': (s: SysSnapshot) => s.publishReceived,
  'publish/sent': (s: SysSnapshot) => s.publishSent,
  'publish/dropped': (s: SysSnapshot) => s.publishDropped,
  'bytes/received': (s: SysSnapshot) => s.bytesReceived,
  'bytes/sent': (s: SysSnapshot) => s.bytesSent,
  connections: (s: SysSnapshot) => s.connections,
  sockets: (s: SysSnapshot) => s.sockets
} as const

export interface SysTree {
  /** Topic (without prefix) → payload text, for one tick. */
  render: (snapshot: SysSnapshot, nowMs: number) => Map<string, string>
}

export function createSysTree (): SysTree {
  const loads = new Map<string, LoadAverage>(Object.keys(LOAD_SERIES).map((k) => [k, createLoadAverage()]))
  let heapMaximum = 0

  return {
    render (s, nowMs) {
      heapMaximum = Math.max(heapMaximum, s.heapUsedBytes)
      const stored = s.retained + s.offlineQueued
      const out = new Map<string, string>([
        ['version', `siar version ${s.version}`],
        ['uptime', `${Math.floor(s.uptimeSeconds)} seconds`],
        ['clients/connected', String(s.clientsConnected)],
        ['clients/disconnected', String(s.clientsDisconnected)],
        ['clients/total', String(s.clientsConnected + s.clientsDisconnected)],
        ['clients/maximum', String(s.clientsMaximum)],
        ['clients/expired', String(s.clientsExpired)],
        ['messages/received', String(s.publishReceived)],
        ['messages/sent', String(s.publishSent)],
        ['messages/stored', String(stored)],
        ['messages/inflight', String(s.inflight)],
        ['store/messages/count', String(stored)],
        ['publish/messages/received', String(s.publishReceived)],
        ['publish/messages/sent', String(s.publishSent)],
        ['publish/messages/dropped', String(s.publishDropped)],
        ['bytes/received', String(s.bytesReceived)],
        ['bytes/sent', String(s.bytesSent)],
        ['subscriptions/count', String(s.subscriptions)],
        ['retained messages/count', String(s.retained)],
        ['heap/current', String(s.heapUsedBytes)],
        ['heap/maximum', String(heapMaximum)]
      ])
      for (const [key, read] of Object.entries(LOAD_SERIES)) {
        const load = loads.get(key) as LoadAverage
        load.update(read(s), nowMs)
        const values = load.values()
        // Mosquitto prints these with two decimals.
        for (const w of LOAD_WINDOWS) out.set(`load/${key}/${w.name}`, values[w.name].toFixed(2))
      }
      return out
    }
  }
}
