import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClientErrorCodes, codecs, decodeWith, encodeWith } from '../src/index.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

test('text decodes UTF-8 strictly: invalid bytes are an error, not U+FFFD', () => {
  assert.deepEqual(decodeWith(codecs.text, bytes('héllo'), 't'), { value: 'héllo' })
  const bad = decodeWith(codecs.text, new Uint8Array([0xc3]), 't')
  assert.equal(bad.value, undefined)
  assert.equal(bad.decodeError?.code, ClientErrorCodes.CODEC)
})

test('json parse errors and validator errors become decode errors naming codec and topic', () => {
  const r = decodeWith(codecs.json(), bytes('{"a":'), 'a/b')
  assert.match(r.decodeError?.message ?? '', /^cannot decode the 5-byte payload on a\/b as json: /)
  const v = codecs.json({ validate: (x) => { if (!Array.isArray(x)) throw new Error('not a list'); return x } })
  assert.match(decodeWith(v, bytes('{}'), 't').decodeError?.message ?? '', /not a list$/)
  assert.deepEqual(decodeWith(v, bytes('[1]'), 't').value, [1])
})

test('encodeWith wraps codec failures', () => {
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  assert.throws(() => encodeWith(codecs.json(), cyclic, 'x/y'), (err: Error & { code?: string }) => err.code === ClientErrorCodes.CODEC && /cannot encode the value for x\/y as json/.test(err.message))
  assert.equal(encodeWith(codecs.json(), { a: 1 }, 'x'), '{"a":1}')
})
