// Request/response: PUBLISHERS requesters each keep one request in flight; SUBSCRIBERS
// responders answer (siar bench reqres). xk6-mqtt speaks MQTT 3.1.1 only, so
// like `siar bench reqres -V 311` the reply topic comes from the requester id in
// the payload instead of an MQTT 5 response topic, and the sequence number is the
// correlation id. Run:
//   k6 run -e MQTT_URL=mqtt://127.0.0.1:1883 load-tests/k6/reqres.js
import { setTimeout, clearTimeout } from 'k6/timers'
import { Counter, Trend } from 'k6/metrics'
import { shapeFromEnv } from './lib/env.js'
import { decode, encode } from './lib/payload.js'
import { connectClient, lost as unanswered, newRun } from './lib/roles.js'

const shape = shapeFromEnv('reqres')
const SETTLE_S = 2
/** How long a requester waits for the last answer before counting it lost, ms. */
const ANSWER_TIMEOUT_MS = 5000

const requests = new Counter('bench_requests')
const wrongAnswers = new Counter('bench_correlation_mismatches')
const roundTrip = new Trend('bench_round_trip', true)

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    responders: { executor: 'per-vu-iterations', exec: 'responder', vus: shape.subscribers, iterations: 1, maxDuration: `${SETTLE_S + shape.durationSeconds + 15}s` },
    requesters: { executor: 'per-vu-iterations', exec: 'requester', vus: shape.publishers, iterations: 1, startTime: `${SETTLE_S}s`, maxDuration: `${shape.durationSeconds + 15}s` }
  },
  thresholds: {
    bench_connect_failures: ['count==0'],
    bench_lost: ['count==0'],
    bench_correlation_mismatches: ['count==0'],
    bench_requests: ['count>0'],
    bench_round_trip: ['p(99)<100']
  }
}

export function setup () {
  return newRun(__ENV.TOPIC_PREFIX || 'siar-k6')
}

/** @param {{ runId: number, prefix: string }} run */
export function responder (run) {
  connectClient(`k6-reqres-r${__VU}`, (client) => {
    client.on('message', (_topic, payload) => {
      const h = decode(payload)
      if (!h || h.runId !== run.runId) return
      client.publish(`${run.prefix}/res/${h.publisherId}`, payload, { qos: shape.qos })
    })
    client.subscribe(`${run.prefix}/req`, { qos: shape.qos })
    setTimeout(() => client.end(), (SETTLE_S + shape.durationSeconds + 5) * 1000)
  })
}

/** @param {{ runId: number, prefix: string }} run */
export function requester (run) {
  connectClient(`k6-reqres-q${__VU}`, (client) => {
    const end = Date.now() + shape.durationSeconds * 1000
    let seq = 0
    let sentAt = 0
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer
    const ask = () => {
      sentAt = Date.now()
      client.publish(`${run.prefix}/req`, encode(shape.payloadBytes, { runId: run.runId, publisherId: __VU, seq, scheduledUs: sentAt * 1000, sentUs: sentAt * 1000 }), { qos: shape.qos })
      requests.add(1)
      timer = setTimeout(() => { unanswered.add(1); client.end() }, ANSWER_TIMEOUT_MS)
    }
    client.on('message', (_topic, payload) => {
      const h = decode(payload)
      if (!h || h.runId !== run.runId) return
      if (h.seq !== seq) {
        wrongAnswers.add(1)
        return
      }
      if (timer !== undefined) clearTimeout(timer)
      roundTrip.add(Date.now() - sentAt)
      seq++
      if (Date.now() < end) ask()
      else client.end()
    })
    client.subscribe(`${run.prefix}/res/${__VU}`, { qos: shape.qos })
    ask()
  })
}
