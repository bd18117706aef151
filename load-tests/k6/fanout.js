// Fan-out: one publisher, SUBSCRIBERS clients on the same topic, each receiving
// every message (siar bench fanout). Run:
//   k6 run -e MQTT_URL=mqtt://node-a:1883,mqtt://node-b:1883 load-tests/k6/fanout.js
import { shapeFromEnv } from './lib/env.js'
import { connectClient, countDeliveries, newRun, publishFor } from './lib/roles.js'

const shape = shapeFromEnv('fanout')
/** Subscribers connect and subscribe before the publisher starts, s. */
const SETTLE_S = 3
/** Subscribers keep listening after publishing stops, s. */
const DRAIN_S = 3

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    subscribers: { executor: 'per-vu-iterations', exec: 'subscriber', vus: shape.subscribers, iterations: 1, maxDuration: `${SETTLE_S + shape.durationSeconds + DRAIN_S + 10}s` },
    publisher: { executor: 'per-vu-iterations', exec: 'publisher', vus: shape.publishers, iterations: 1, startTime: `${SETTLE_S}s`, maxDuration: `${shape.durationSeconds + 10}s` }
  },
  thresholds: {
    bench_connect_failures: ['count==0'],
    bench_lost: [shape.qos > 0 ? 'count==0' : 'count>=0'],
    bench_duplicates: [shape.qos === 2 ? 'count==0' : 'count>=0'],
    bench_received: ['count>0'],
    bench_latency: ['p(99)<1000']
  }
}

export function setup () {
  return newRun(__ENV.TOPIC_PREFIX || 'siar-k6')
}

/** @param {{ runId: number, prefix: string }} run */
export function subscriber (run) {
  connectClient(`k6-fanout-s${__VU}`, (client) => countDeliveries(client, `${run.prefix}/fanout`, run, shape.qos, (SETTLE_S + shape.durationSeconds + DRAIN_S) * 1000))
}

/** @param {{ runId: number, prefix: string }} run */
export function publisher (run) {
  connectClient(`k6-fanout-p${__VU}`, (client) => publishFor(client, `${run.prefix}/fanout`, __VU, run, shape))
}
