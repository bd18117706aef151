/**
 * The bench scenarios and their default shapes. `siar bench` and the k6 scripts
 * in load-tests/k6 share these shapes (a test compares this table with
 * load-tests/k6/lib/shapes.js), so a number from one can be set beside the other.
 */
export type ScenarioName = 'conn' | 'pub' | 'sub' | 'fanin' | 'fanout' | 'latency' | 'reqres'

export interface ScenarioShape {
  /** One line for --help. */
  summary: string
  /** Publishing clients (requesters for reqres). */
  publishers: number
  /** Subscribing clients (responders for reqres). */
  subscribers: number
  /** Idle connections to open (conn only). */
  connections: number
  /** Messages (or connects, for conn) per second across all clients; 0 = as fast as the broker takes them. */
  rate: number
  qos: 0 | 1 | 2
  payloadBytes: number
  /** Measurement time in seconds when neither --duration nor --count is given. */
  durationSeconds: number
}

/** The smallest payload: the bench header (run id, publisher id, sequence number, two timestamps). */
export const BENCH_HEADER_BYTES = 28
export const DEFAULT_PAYLOAD_BYTES = 64

const base = { publishers: 0, subscribers: 0, connections: 0, rate: 0, qos: 0, payloadBytes: DEFAULT_PAYLOAD_BYTES, durationSeconds: 10 } as const

export const SCENARIOS: Readonly<Record<ScenarioName, Readonly<ScenarioShape>>> = Object.freeze({
  conn: { ...base, summary: 'open N connections at a rate and hold them: connects/s, CONNACK latency, failures', connections: 1000, rate: 500 },
  pub: { ...base, summary: 'N publishers as fast as the broker takes them (or at --rate): publishes/s', publishers: 4 },
  sub: { ...base, summary: 'N subscribers on a filter, counting what other clients publish (pair with `siar bench pub`)', subscribers: 1 },
  fanin: { ...base, summary: 'N publishers -> 1 wildcard subscriber: deliveries/s, loss, duplicates', publishers: 16, subscribers: 1 },
  fanout: { ...base, summary: '1 publisher -> N subscribers on one topic: deliveries/s, loss, duplicates', publishers: 1, subscribers: 100 },
  latency: { ...base, summary: 'fixed rate, end-to-end latency p50/p90/p99/p99.9 from the scheduled send time', publishers: 1, subscribers: 1, rate: 5000 },
  reqres: { ...base, summary: 'MQTT 5 request/response (response topic + correlation data): round trips/s and latency', publishers: 10, subscribers: 1 }
})

export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[]

export function isScenarioName (name: string): name is ScenarioName {
  return Object.hasOwn(SCENARIOS, name)
}
