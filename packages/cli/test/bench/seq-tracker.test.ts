import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SeqTracker } from '../../src/bench/seq-tracker.js'
import { createPayload, readHeader, writeHeader } from '../../src/bench/payload.js'

test('counts each (publisher, seq) once and every repeat as a duplicate', () => {
  const t = new SeqTracker()
  for (let seq = 0; seq < 20_000; seq++) assert.equal(t.record(1, seq), true)
  assert.equal(t.record(1, 7), false)
  assert.equal(t.record(1, 19_999), false)
  assert.equal(t.record(2, 7), true)
  t.recordForeign()
  const c = t.counts()
  assert.deepEqual({ unique: c.unique, duplicates: c.duplicates, foreign: c.foreign }, { unique: 20_001, duplicates: 2, foreign: 1 })
  assert.deepEqual(c.seenUpTo, { 1: 20_000, 2: 8 })
})

test('the payload header round-trips and padding keeps the requested size', () => {
  const buf = writeHeader(createPayload(64), { runId: 0xdeadbeef, publisherId: 42, seq: 123_456, scheduledUs: 1.5e9 + 0.25, sentUs: 1.5e9 + 3.5 })
  assert.equal(buf.length, 64)
  assert.deepEqual(readHeader(buf), { runId: 0xdeadbeef, publisherId: 42, seq: 123_456, scheduledUs: 1.5e9 + 0.25, sentUs: 1.5e9 + 3.5 })
  assert.equal(readHeader(Buffer.from('hello')), undefined)
  assert.throws(() => createPayload(27), /at least 28 bytes/)
})
