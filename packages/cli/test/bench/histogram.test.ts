import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Histogram } from '../../src/bench/histogram.js'

test('percentiles are within the histogram\'s ~1.6 % bucket error', () => {
  const h = new Histogram()
  for (let us = 1; us <= 100_000; us++) h.record(us)
  const p = h.percentiles()
  assert.equal(p.count, 100_000)
  for (const [got, want] of [[p.p50Ms, 50], [p.p90Ms, 90], [p.p99Ms, 99], [p.p999Ms, 99.9]] as const) {
    assert.ok(Math.abs(got - want) / want < 0.016, `${got} ms vs ${want} ms`)
  }
  assert.equal(p.maxMs, 100)
  assert.equal(p.minMs, 0.001)
})

test('snapshots from several threads merge into the same percentiles as one histogram', () => {
  const one = new Histogram()
  const parts = [new Histogram(), new Histogram(), new Histogram()]
  for (let i = 0; i < 30_000; i++) {
    const us = (i * 7919) % 250_000
    one.record(us)
    parts[i % 3]?.record(us)
  }
  const merged = Histogram.merge(parts.map((h) => h.snapshot()))
  assert.deepEqual(merged.percentiles(), one.percentiles())
})

test('huge and negative values are clamped, not lost', () => {
  const h = new Histogram()
  h.record(-5)
  h.record(2 ** 45)
  assert.equal(h.count, 2)
  assert.equal(h.percentiles().minMs, 0)
  assert.ok(h.valueAt(1) > 0)
})
