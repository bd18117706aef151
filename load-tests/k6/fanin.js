// Fan-in: PUBLISHERS clients publish to their own topics, one subscriber on a
// wildcard receives everything (siar bench fanin). Run:
//   k6 run -e MQTT_URL=mqtt://127.0.0.1:1883 load-tests/k6/fanin.js
import { shapeFromEnv } from './lib/env.js'
import { connectClient, countDeliveries, newRun, publishFor } from './lib/roles.js'

const shape = shapeFromEnv('fanin')
/** Subscribers connect and subscribe before publishers start, s. */
const SETTLE_S = 2
/** Subscribers keep listening after publishers stop, for messages in flight, s. */
const DRAIN_S = 3

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    subscriber: { executor: 'per-vu-iterations', exec: 'subscriber', vus: shape.subscribers, iterations: 1, maxDuration: `${SETTLE_S + shape.durationSeconds + DRAIN_S + 10}s` },
    publishers: { executor: 'per-vu-iterations', exec: 'publisher', vus: shape.publishers, iterations: 1, startTime: `${SETTLE_S}s`, maxDuration: `${shape.durationSeconds + 10}s` }
  },
  thresholds: {
    bench_connect_failures: ['count==0'],
    // Sequence gaps: at QoS 0 a broker may shed load, so only QoS 1/2 must be lossless.
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
  connectClient(`k6-fanin-s${__VU}`, (client) => countDeliveries(client, `${run.prefix}/fanin/+`, run, shape.qos, (SETTLE_S + shape.durationSeconds + DRAIN_S) * 1000))
}

/** @param {{ runId: number, prefix: string }} run */
export function publisher (run) {
  connectClient(`k6-fanin-p${__VU}`, (client) => publishFor(client, `${run.prefix}/fanin/${__VU}`, __VU, run, shape))
}
