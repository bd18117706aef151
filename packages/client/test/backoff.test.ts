import assert from 'node:assert/strict'
import { test } from 'node:test'
import { backoffDelayMs, resolveReconnect } from '../src/index.js'

test('delays grow by the factor up to the maximum', () => {
  const o = resolveReconnect({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0 })
  assert.ok(o)
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, o)), [100, 200, 400, 800, 1000, 1000])
})

test('jitter draws from [base·(1−jitter), base]', () => {
  const o = resolveReconnect({ initialDelayMs: 1000, jitter: 0.5 })
  assert.ok(o)
  assert.equal(backoffDelayMs(1, o, () => 0), 1000)
  assert.equal(backoffDelayMs(1, o, () => 0.999999), 500)
  for (let i = 0; i < 200; i++) {
    const d = backoffDelayMs(3, o)
    assert.ok(d >= 2000 && d <= 4000, String(d))
  }
})

test('false turns reconnect off; defaults otherwise; nonsense is refused', () => {
  assert.equal(resolveReconnect(false), null)
  assert.deepEqual(resolveReconnect(undefined), { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.5, maxAttempts: Infinity })
  assert.throws(() => resolveReconnect({ initialDelayMs: 10, maxDelayMs: 5 }), /initialDelayMs <= maxDelayMs/)
  assert.throws(() => resolveReconnect({ jitter: 2 }), /jitter must be from 0 to 1/)
  assert.throws(() => resolveReconnect({ factor: 0.5 }), /factor must be >= 1/)
})
