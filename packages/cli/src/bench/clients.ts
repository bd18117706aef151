import type { ConnectOptions, SiarClient } from '@siar/client'
import type { BenchPlan } from './plan.js'

/** The connect options of one bench client (`c`: the node it goes to, see BenchPlan.nodes). */
export function connectOptions (c: ConnectOptions, clientId: string): ConnectOptions {
  // Structured cloning into the worker turned Buffers into Uint8Arrays; TLS wants Buffers back.
  const buf = <T>(v: T): T => (v instanceof Uint8Array ? Buffer.from(v) as T : v)
  return { ...c, clientId, ca: buf(c.ca), cert: buf(c.cert), key: buf(c.key), mqttOptions: { ...c.mqttOptions, resubscribe: false } }
}

/** Socket settings for a load generator's connection. */
export function tuneSocket (client: SiarClient): void {
  const socket = client.raw.stream as unknown as { setNoDelay?: (on: boolean) => void, setMaxListeners?: (n: number) => void }
  // Nagle's algorithm on our side would hold small publishes back up to 40 ms: measure the broker, not that.
  socket.setNoDelay?.(true)
  // Open-loop publishing keeps writing while the socket is backed up, and mqtt.js
  // waits for 'drain' once per such write: many listeners are expected, not a leak.
  socket.setMaxListeners?.(0)
}

/** What the subscribers (reqres: responders) of a scenario subscribe to. */
export function subscribeFilterOf (plan: BenchPlan): string {
  if (plan.scenario === 'sub') return plan.subscribeFilter
  if (plan.scenario === 'reqres') return `${plan.topicPrefix}/req`
  if (plan.scenario === 'fanin' || plan.scenario === 'latency') return `${plan.topicPrefix}/${plan.scenario}/+`
  return `${plan.topicPrefix}/${plan.scenario}`
}

/** Run `tasks` with at most `limit` at a time. */
export async function limited (tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < tasks.length) await (tasks[next++] as () => Promise<void>)()
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane))
}
