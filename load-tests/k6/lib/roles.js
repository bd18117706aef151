// Publisher and subscriber behaviour shared by the k6 scripts, mirroring `siar bench`:
// payloads carry (run, publisher, seq, scheduled time); subscribers count loss,
// duplicates and latency from the scheduled time.
import { setInterval, clearInterval, setTimeout } from 'k6/timers'
import { Client } from 'k6/x/mqtt'
import { Counter, Trend } from 'k6/metrics'
import { encode, decode, createSeqTracker } from './payload.js'
import { brokerUrl } from './env.js'

export const sent = new Counter('bench_sent')
export const received = new Counter('bench_received')
export const lost = new Counter('bench_lost')
export const duplicates = new Counter('bench_duplicates')
/** End-to-end latency from the scheduled send time (coordinated omission corrected), ms. */
export const latency = new Trend('bench_latency', true)
export const connectFailures = new Counter('bench_connect_failures')
export const connectTime = new Trend('bench_connect_time', true)

/**
 * @typedef {{ runId: number, prefix: string }} RunData
 * @typedef {{ rate: number, qos: 0 | 1 | 2, payloadBytes: number, publishers: number, durationSeconds: number }} PublishShape
 */

/**
 * A connected client: `onReady` runs once CONNACK arrived; failures are counted.
 * @param {string} clientId
 * @param {(client: Client) => void} onReady
 */
export function connectClient (clientId, onReady) {
  const client = new Client({ client_id: clientId })
  const started = Date.now()
  client.on('connect', () => {
    connectTime.add(Date.now() - started)
    onReady(client)
  })
  client.on('error', () => connectFailures.add(1))
  client.connect(brokerUrl(__VU), { keepalive: 60, connect_timeout: 10000, clean_session: true })
  return client
}

/**
 * Publish to `topic` for the shape's duration: as fast as the client can when
 * rate is 0, otherwise at rate / publishers per second, open loop, each message
 * stamped with the time it was due.
 * @param {Client} client @param {string} topic @param {number} publisherId @param {RunData} run @param {PublishShape} shape
 */
export function publishFor (client, topic, publisherId, run, shape) {
  const start = Date.now()
  const end = start + shape.durationSeconds * 1000
  let seq = 0
  const one = (/** @type {number} */ scheduledMs) => {
    client.publish(topic, encode(shape.payloadBytes, { runId: run.runId, publisherId, seq: seq++, scheduledUs: scheduledMs * 1000, sentUs: Date.now() * 1000 }), { qos: shape.qos })
    sent.add(1)
  }
  if (shape.rate === 0) {
    while (Date.now() < end) one(Date.now())
    client.end()
    return
  }
  const perMs = shape.rate / Math.max(1, shape.publishers) / 1000
  const timer = setInterval(() => {
    const now = Date.now()
    while (start + seq / perMs <= now && now < end) one(start + seq / perMs)
    if (now >= end) {
      clearInterval(timer)
      client.end()
    }
  }, 1)
}

/**
 * Subscribe and count this run's messages until `stopAfterMs`.
 * @param {Client} client @param {string} filter @param {RunData} run @param {0 | 1 | 2} qos @param {number} stopAfterMs
 */
export function countDeliveries (client, filter, run, qos, stopAfterMs) {
  const seqs = createSeqTracker()
  client.on('message', (_topic, payload) => {
    const h = decode(payload)
    if (!h || h.runId !== run.runId) return
    received.add(1)
    latency.add(Date.now() - h.scheduledUs / 1000)
    const r = seqs.record(h.publisherId, h.seq)
    if (r.lost > 0) lost.add(r.lost)
    if (r.duplicate) duplicates.add(1)
  })
  client.subscribe(filter, { qos })
  setTimeout(() => client.end(), stopAfterMs)
}

/** Run id and topic prefix, made once in setup() so every VU shares them. */
export function newRun (/** @type {string} */ prefix) {
  return { runId: Math.floor(Math.random() * 0xffffffff), prefix: `${prefix}/${Date.now().toString(36)}` }
}
