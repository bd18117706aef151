// The same 28-byte header `siar bench` writes (packages/cli/src/bench/payload.ts), big-endian:
// u32 run id, u32 publisher id, u32 sequence number, f64 scheduled send time (µs),
// f64 actual send time (µs). k6 has millisecond clocks only: times are Date.now() × 1000.

/**
 * @param {number} size
 * @param {{ runId: number, publisherId: number, seq: number, scheduledUs: number, sentUs: number }} h
 * @returns {ArrayBuffer}
 */
export function encode (size, h) {
  const buf = new ArrayBuffer(Math.max(28, size))
  const view = new DataView(buf)
  view.setUint32(0, h.runId)
  view.setUint32(4, h.publisherId)
  view.setUint32(8, h.seq)
  view.setFloat64(12, h.scheduledUs)
  view.setFloat64(20, h.sentUs)
  return buf
}

/** @param {ArrayBuffer} buf */
export function decode (buf) {
  if (buf.byteLength < 28) return undefined
  const view = new DataView(buf)
  return { runId: view.getUint32(0), publisherId: view.getUint32(4), seq: view.getUint32(8), scheduledUs: view.getFloat64(12), sentUs: view.getFloat64(20) }
}

/**
 * Per-publisher sequence tracking on the receiving side: with one subscriber
 * per VU and ordered delivery per publisher [MQTT-4.6], a jump is a loss and a
 * repeat is a duplicate.
 */
export function createSeqTracker () {
  /** @type {Map<number, number>} */
  const next = new Map()
  return {
    /** @param {number} publisherId @param {number} seq @returns {{ lost: number, duplicate: boolean }} */
    record (publisherId, seq) {
      const expected = next.get(publisherId) ?? 0
      if (seq < expected) return { lost: 0, duplicate: true }
      next.set(publisherId, seq + 1)
      return { lost: seq - expected, duplicate: false }
    }
  }
}
