// Run-time settings from the environment: `k6 run -e MQTT_URL=mqtt://broker:1883 -e PUBLISHERS=32 fanin.js`.
import { SHAPES } from './shapes.js'

/** @param {string} name @param {number} fallback */
function num (name, fallback) {
  const raw = __ENV[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number >= 0, got ${raw}`)
  return n
}

/**
 * The shape of scenario `name`, overridden by PUBLISHERS, SUBSCRIBERS, CONNECTIONS,
 * RATE, QOS, PAYLOAD_BYTES and DURATION_SECONDS.
 * @param {keyof typeof SHAPES} name
 */
export function shapeFromEnv (name) {
  const s = SHAPES[name]
  const qos = num('QOS', s.qos)
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new Error(`QOS must be 0, 1 or 2, got ${qos}`)
  return {
    publishers: num('PUBLISHERS', s.publishers),
    subscribers: num('SUBSCRIBERS', s.subscribers),
    connections: num('CONNECTIONS', s.connections),
    rate: num('RATE', s.rate),
    qos: /** @type {0 | 1 | 2} */ (qos),
    payloadBytes: Math.max(28, num('PAYLOAD_BYTES', s.payloadBytes)),
    durationSeconds: num('DURATION_SECONDS', s.durationSeconds)
  }
}

/** The broker; with several URLs (comma-separated) each VU picks one, spreading load over a cluster's nodes. */
export function brokerUrl (/** @type {number} */ vu) {
  const urls = (__ENV.MQTT_URL || 'mqtt://127.0.0.1:1883').split(',').map((u) => u.trim()).filter(Boolean)
  return urls[vu % urls.length] ?? 'mqtt://127.0.0.1:1883'
}

/** Topics of one run live under one prefix, so runs do not hear each other. */
export const TOPIC_PREFIX = `${__ENV.TOPIC_PREFIX || 'siar-k6'}/${Date.now().toString(36)}`
