// The scenario shapes shared with `siar bench` (packages/cli/src/bench/scenario-table.ts).
// A test in packages/cli/test/bench/k6-scripts.test.ts fails if the two drift apart,
// so a k6 number and a `siar bench` number describe the same load.
// Every value can be overridden per run with environment variables (see lib/env.js).

/** @typedef {{ publishers: number, subscribers: number, connections: number, rate: number, qos: 0 | 1 | 2, payloadBytes: number, durationSeconds: number }} Shape */

/** @type {Record<'conn' | 'pub' | 'sub' | 'fanin' | 'fanout' | 'latency' | 'reqres', Shape>} */
export const SHAPES = {
  conn: { publishers: 0, subscribers: 0, connections: 1000, rate: 500, qos: 0, payloadBytes: 64, durationSeconds: 10 },
  pub: { publishers: 4, subscribers: 0, connections: 0, rate: 0, qos: 0, payloadBytes: 64, durationSeconds: 10 },
  sub: { publishers: 0, subscribers: 1, connections: 0, rate: 0, qos: 0, payloadBytes: 64, durationSeconds: 10 },
  fanin: { publishers: 16, subscribers: 1, connections: 0, rate: 0, qos: 0, payloadBytes: 64, durationSeconds: 10 },
  fanout: { publishers: 1, subscribers: 100, connections: 0, rate: 0, qos: 0, payloadBytes: 64, durationSeconds: 10 },
  latency: { publishers: 1, subscribers: 1, connections: 0, rate: 5000, qos: 0, payloadBytes: 64, durationSeconds: 10 },
  reqres: { publishers: 10, subscribers: 1, connections: 0, rate: 0, qos: 0, payloadBytes: 64, durationSeconds: 10 }
}
