import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClientErrorCodes, topic, topicMatches, type TopicParams } from '../src/index.js'

test('one-level params: filter, build and match', () => {
  const p = topic('sensors/:id/temp')
  assert.equal(p.filter, 'sensors/+/temp')
  assert.equal(p.build({ id: 'k1' }), 'sensors/k1/temp')
  assert.deepEqual(p.match('sensors/k1/temp'), { id: 'k1' })
  assert.equal(p.match('sensors/k1/humidity'), null)
  assert.equal(p.match('sensors/k1/temp/extra'), null)
  assert.equal(p.match('sensors/temp'), null)
  // Every topic match() accepts is one the filter matches, and the reverse.
  for (const t of ['sensors/a/temp', 'sensors//temp', 'sensors/a/b/temp', 'x/a/temp']) {
    assert.equal(p.match(t) !== null, topicMatches(p.filter, t), t)
  }
})

test('a final :name* is a multi-level parameter (#), which also matches the parent level', () => {
  const p = topic('logs/:app/:rest*')
  assert.equal(p.filter, 'logs/+/#')
  assert.deepEqual(p.match('logs/api/eu/west'), { app: 'api', rest: 'eu/west' })
  assert.deepEqual(p.match('logs/api'), { app: 'api', rest: '' })
  assert.equal(p.build({ app: 'api', rest: 'eu/west' }), 'logs/api/eu/west')
  assert.equal(p.build({ app: 'api', rest: '' }), 'logs/api')
})

test('wildcard levels never match $-topics [MQTT-4.7.2-1]', () => {
  assert.equal(topic(':a/x').match('$SYS/x'), null)
  assert.deepEqual(topic('$SYS/:what').match('$SYS/uptime'), { what: 'uptime' })
})

test('bad patterns and bad values are refused with SIAR_ERR_CLIENT_BAD_TOPIC', () => {
  const isBadTopic = (re: RegExp) => (err: Error & { code?: string }) => err.code === ClientErrorCodes.BAD_TOPIC && re.test(err.message)
  assert.throws(() => topic('a/+/b'), isBadTopic(/use :name instead of MQTT wildcards/))
  assert.throws(() => topic('a/:rest*/b'), isBadTopic(/must be the last level/))
  assert.throws(() => topic('a/:id/:id'), isBadTopic(/appears twice/))
  assert.throws(() => topic('a/:1x'), isBadTopic(/not an identifier/))
  const p = topic('a/:id')
  assert.throws(() => p.build({ id: 'x/y' }), isBadTopic(/may not contain '\/', '\+', '#'/))
  assert.throws(() => p.build({ id: '#' }), isBadTopic(/may not contain/))
  assert.throws(() => p.build({} as { id: string }), isBadTopic(/parameter "id" must be a string/))
})

test('params are typed from the pattern', () => {
  const p = topic('home/:room/:device/set')
  const params: TopicParams<'home/:room/:device/set'> = { room: 'hall', device: 'lamp' }
  assert.equal(p.build(params), 'home/hall/lamp/set')
  // @ts-expect-error: 'device' is missing
  assert.throws(() => p.build({ room: 'hall' }))
  const m = p.match('home/hall/lamp/set')
  assert.equal(m?.device, 'lamp')
})
