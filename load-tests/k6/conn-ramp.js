// Connection ramp: open CONNECTIONS connections at RATE per second and hold each
// for DURATION_SECONDS (siar bench conn). Watch the broker's memory and
// siar_connections while it runs. Run:
//   k6 run -e MQTT_URL=mqtt://127.0.0.1:1883 -e CONNECTIONS=10000 -e RATE=1000 load-tests/k6/conn-ramp.js
import { setTimeout } from 'k6/timers'
import { shapeFromEnv } from './lib/env.js'
import { connectClient } from './lib/roles.js'

const shape = shapeFromEnv('conn')
const rampSeconds = Math.max(1, Math.ceil(shape.connections / Math.max(1, shape.rate)))

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    // One iteration = one connection; arrivals at RATE/s until CONNECTIONS were started.
    connections: {
      executor: 'constant-arrival-rate',
      rate: Math.max(1, shape.rate),
      timeUnit: '1s',
      duration: `${rampSeconds}s`,
      preAllocatedVUs: shape.connections,
      maxVUs: shape.connections,
      gracefulStop: `${shape.durationSeconds + 15}s`
    }
  },
  thresholds: {
    bench_connect_failures: ['count==0'],
    bench_connect_time: ['p(99)<1000'],
    // Arrivals k6 could not start: the generator, not the broker, was short.
    dropped_iterations: ['count==0']
  }
}

export default function () {
  connectClient(`k6-conn-${__VU}-${__ITER}`, (client) => {
    setTimeout(() => client.end(), shape.durationSeconds * 1000)
  })
}
