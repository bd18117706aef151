import { test } from 'node:test'
import assert from 'node:assert/strict'
import { diffLines } from '../../../src/web/model/diff.js'
import { fromHex, hexDump, isUtf8, payloadJson, previewOf } from '../../../src/web/model/message.js'
import { numericFields, numericValue, series, WHOLE_PAYLOAD } from '../../../src/web/model/numeric.js'
import { toCsv, toJson } from '../../../src/web/model/export.js'
import { parseSubscriptions, formatSubscriptions, saveProfile, loadProfiles, type ConnectionProfile } from '../../../src/web/model/profiles.js'
import { targetUrl, mayAutoConnect } from '../../../src/web/model/server-config.js'

const enc = new TextEncoder()
const m = (topic: string, payload: string | Uint8Array, at = 0, extra: object = {}) =>
  ({ topic, payload: typeof payload === 'string' ? enc.encode(payload) : payload, qos: 1 as const, retain: false, dup: false, receivedAt: at, seq: at, ...extra })

test('payload helpers: JSON detection, hex round trip, previews', () => {
  assert.deepEqual(payloadJson(enc.encode('{"a":1}')), { a: 1 })
  assert.equal(payloadJson(enc.encode('hello')), undefined)
  assert.equal(payloadJson(enc.encode('')), undefined)
  assert.deepEqual(Array.from(fromHex('de ad BE ef')), [0xde, 0xad, 0xbe, 0xef])
  assert.throws(() => fromHex('abc'), /pairs/)
  assert.match(hexDump(enc.encode('AB')), /^00000000 {2}41 42 +AB$/)
  assert.equal(isUtf8(new Uint8Array([0xff])), false)
  assert.equal(previewOf(m('t', 'x'.repeat(100)), 10), `${'x'.repeat(10)}…`)
  assert.equal(previewOf(m('t', '')), '(empty)')
})

test('line diff marks what changed and keeps the rest', () => {
  const d = diffLines('{\n  "a": 1,\n  "b": 2\n}', '{\n  "a": 1,\n  "b": 3\n}')
  assert.deepEqual(d.filter((l) => l.op !== 'same'), [{ op: 'del', text: '  "b": 2' }, { op: 'add', text: '  "b": 3' }])
  assert.equal(diffLines('same', 'same').every((l) => l.op === 'same'), true)
  const inserted = diffLines('a\nc', 'a\nb\nc')
  assert.deepEqual(inserted.map((l) => l.op), ['same', 'add', 'same'])
})

test('numeric fields: plain numbers, JSON fields at depth, arrays', () => {
  assert.deepEqual(numericFields(enc.encode('21.5')), [WHOLE_PAYLOAD])
  assert.deepEqual(numericFields(enc.encode('{"t":1,"env":{"h":2,"s":"x"},"r":[3,4]}')), ['t', 'env.h', 'r[0]', 'r[1]'])
  assert.equal(numericValue(enc.encode('{"env":{"h":42}}'), 'env.h'), 42)
  assert.equal(numericValue(enc.encode('{"r":[3,4]}'), 'r[1]'), 4)
  assert.equal(numericValue(enc.encode('{"env":{"h":"no"}}'), 'env.h'), undefined)
  assert.deepEqual(series([m('t', '{"v":1}', 1), m('t', 'bad', 2), m('t', '{"v":3}', 3)], 'v'), [{ t: 1, v: 1 }, { t: 3, v: 3 }])
})

test('export: JSON keeps text and base64, properties survive; CSV quotes per RFC 4180', () => {
  const messages = [
    m('a/b', 'hello, "world"', 1, { properties: { userProperties: { k: 'v' }, correlationData: new Uint8Array([1, 2]) } }),
    m('a/c', new Uint8Array([0xff, 0x00]), 2)
  ]
  const json = JSON.parse(toJson(messages)) as Array<Record<string, unknown>>
  assert.equal(json[0]?.payload, 'hello, "world"')
  assert.deepEqual(json[0]?.properties, { userProperties: { k: 'v' }, correlationData: '0102' })
  assert.deepEqual([json[1]?.payload, json[1]?.payloadEncoding], ['/wA=', 'base64'])
  const csv = toCsv(messages).split('\r\n')
  assert.equal(csv[1], `${new Date(1).toISOString()},a/b,1,false,utf8,"hello, ""world""","{""k"":""v""}"`)
})

test('profiles: the password is stored only when asked; subscriptions parse with QoS', () => {
  const store = new Map<string, string>()
  const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => { store.set(k, v) } } as unknown as Storage
  const base: ConnectionProfile = { name: 'p', url: 'ws://h:1/mqtt', clientId: 'c', username: 'u', password: 'pw', savePassword: false, protocolVersion: 5, subscriptions: [] }
  saveProfile(base, storage)
  assert.equal(loadProfiles(storage)[0]?.password, '')
  saveProfile({ ...base, savePassword: true }, storage)
  assert.equal(loadProfiles(storage)[0]?.password, 'pw')
  assert.equal(loadProfiles(storage).length, 1, 'same name replaces')
  assert.deepEqual(parseSubscriptions('a/# @1\n$SYS/#, b'), [{ filter: 'a/#', qos: 1 }, { filter: '$SYS/#', qos: 0 }, { filter: 'b', qos: 0 }])
  assert.equal(formatSubscriptions([{ filter: 'a', qos: 2 }, { filter: 'b', qos: 0 }]), 'a @2\nb')
})

test('server config: the page host is used unless the server names one; login blocks auto-connect', () => {
  const loc = { hostname: 'pi.local', protocol: 'http:' }
  const config = { servedBy: 'broker' as const, label: 's', connect: { protocol: 'ws' as const, port: 8083, path: '/mqtt' }, authRequired: false }
  assert.equal(targetUrl(config, loc), 'ws://pi.local:8083/mqtt')
  assert.equal(targetUrl(config, { hostname: '::1', protocol: 'https:' }), 'wss://[::1]:8083/mqtt')
  assert.equal(targetUrl({ ...config, connect: { ...config.connect, host: 'b.example' } }, loc), 'ws://b.example:8083/mqtt')
  assert.equal(mayAutoConnect(config), true)
  assert.equal(mayAutoConnect({ ...config, authRequired: true }), false)
  assert.equal(mayAutoConnect({ ...config, connect: null }), false)
})
