import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OfflineBuffer } from '../src/offline-buffer.js'

test('reject: keeps the first maxMessages in order and hands back the new one when full', () => {
  const b = new OfflineBuffer<number>({ maxMessages: 2 })
  assert.equal(b.push(1), undefined)
  assert.equal(b.push(2), undefined)
  assert.equal(b.push(3), 3)
  assert.deepEqual(b.drain(), [1, 2])
  assert.equal(b.size, 0)
})

test('drop-oldest: keeps the newest maxMessages and hands back the oldest', () => {
  const b = new OfflineBuffer<number>({ maxMessages: 2, whenFull: 'drop-oldest' })
  b.push(1)
  b.push(2)
  assert.equal(b.push(3), 1)
  assert.deepEqual(b.drain(), [2, 3])
})

test('maxMessages 0 buffers nothing; a negative bound is refused', () => {
  const b = new OfflineBuffer<number>({ maxMessages: 0 })
  assert.equal(b.push(1), 1)
  assert.throws(() => new OfflineBuffer({ maxMessages: -1 }), /whole number >= 0/)
})
