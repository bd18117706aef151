import { performance } from 'node:perf_hooks'
import { BENCH_HEADER_BYTES } from './scenario-table.js'

/**
 * The bench payload header, big-endian:
 *   0 u32 run id        (tells this run's messages from anyone else's)
 *   4 u32 publisher id
 *   8 u32 sequence number (0, 1, 2 … per publisher: loss and duplicates are counted exactly)
 *  12 f64 scheduled send time, µs on the shared monotonic clock
 *  20 f64 actual send time, µs on the same clock
 * The scheduled time is what latency is measured from, so a stall in the
 * generator or the broker shows up in the latency instead of being hidden
 * (coordinated omission); the actual send time gives the uncorrected figure beside it.
 */
export interface BenchHeader {
  runId: number
  publisherId: number
  seq: number
  scheduledUs: number
  sentUs: number
}

/**
 * Microseconds on CLOCK_MONOTONIC, which every thread (and process) on the
 * machine shares, unlike performance.now() whose origin is per thread.
 * hrtime.bigint() is read once; performance.now() is the cheap call after that.
 */
const clockOffsetUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000
export function nowUs (): number {
  return performance.now() * 1000 + clockOffsetUs
}

/** A reusable payload buffer of `size` bytes; only the header is rewritten per message. */
export function createPayload (size: number): Buffer {
  if (size < BENCH_HEADER_BYTES) throw new RangeError(`payload must be at least ${BENCH_HEADER_BYTES} bytes`)
  return Buffer.alloc(size, 0x2e)
}

export function writeHeader (buf: Buffer, h: BenchHeader): Buffer {
  buf.writeUInt32BE(h.runId, 0)
  buf.writeUInt32BE(h.publisherId, 4)
  buf.writeUInt32BE(h.seq, 8)
  buf.writeDoubleBE(h.scheduledUs, 12)
  buf.writeDoubleBE(h.sentUs, 20)
  return buf
}

/** The header, or undefined for a payload that is not from a bench run. */
export function readHeader (buf: Uint8Array): BenchHeader | undefined {
  if (buf.length < BENCH_HEADER_BYTES) return undefined
  const view = new DataView(buf.buffer, buf.byteOffset, BENCH_HEADER_BYTES)
  return {
    runId: view.getUint32(0),
    publisherId: view.getUint32(4),
    seq: view.getUint32(8),
    scheduledUs: view.getFloat64(12),
    sentUs: view.getFloat64(20)
  }
}
