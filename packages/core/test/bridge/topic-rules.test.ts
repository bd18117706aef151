import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseOptions } from '@siar/core'
import { compileTopicRules } from '../../src/bridge/topic-rules.js'

const rulesOf = (topics: unknown[]) => compileTopicRules(parseOptions({ bridges: [{ name: 'b', url: 'mqtt://x', topics }] }).bridges[0]!.topics)

test('out: local prefix + pattern becomes remote prefix + the same remainder (Mosquitto semantics)', () => {
  const r = rulesOf([{ pattern: 'sensors/#', direction: 'out', localPrefix: 'site/', remotePrefix: 'cloud/site-1/' }])
  assert.equal(r.rules[0]?.localFilter, 'site/sensors/#')
  assert.equal(r.rules[0]?.remoteFilter, 'cloud/site-1/sensors/#')
  assert.equal(r.outbound('site/sensors/1/temp')?.topic, 'cloud/site-1/sensors/1/temp')
  assert.equal(r.outbound('site/other/1'), undefined)
  assert.equal(r.outbound('sensors/1'), undefined, 'without the local prefix')
  assert.equal(r.inbound('cloud/site-1/sensors/1'), undefined, 'an out rule takes nothing in')
})

test('in and both: the reverse mapping; + matches one level', () => {
  const r = rulesOf([
    { pattern: '+/cmd', direction: 'in', qos: 1, localPrefix: 'dev/', remotePrefix: 'things/' },
    { pattern: 'shared/#', direction: 'both' }
  ])
  assert.equal(r.inbound('things/lamp/cmd')?.topic, 'dev/lamp/cmd')
  assert.equal(r.inbound('things/lamp/x/cmd'), undefined)
  assert.equal(r.outbound('dev/lamp/cmd'), undefined)
  assert.equal(r.inbound('shared/a')?.topic, 'shared/a')
  assert.equal(r.outbound('shared/a')?.topic, 'shared/a')
  assert.equal(r.inbound('things/lamp/cmd')?.rule.qos, 1)
})

test('empty pattern maps exactly one topic; wildcards never match $ topics [MQTT-4.7.2-1]', () => {
  const r = rulesOf([
    { pattern: '', direction: 'both', localPrefix: 'local/status', remotePrefix: 'devices/gw-1/status' },
    { pattern: '#', direction: 'out', remotePrefix: 'all/' }
  ])
  assert.equal(r.outbound('local/status')?.topic, 'devices/gw-1/status')
  assert.equal(r.inbound('devices/gw-1/status')?.topic, 'local/status')
  assert.equal(r.inbound('devices/gw-1/status/x'), undefined)
  assert.equal(r.outbound('local/status/x')?.topic, 'all/local/status/x', 'the next rule takes what the first does not')
  assert.equal(r.outbound('$SYS/broker/uptime'), undefined)
})

test('first matching rule wins: a message crosses once', () => {
  const r = rulesOf([
    { pattern: 'a/#', direction: 'out', remotePrefix: 'one/' },
    { pattern: 'a/b', direction: 'out', remotePrefix: 'two/' }
  ])
  assert.equal(r.outbound('a/b')?.topic, 'one/a/b')
})
