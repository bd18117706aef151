import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, MessageCollector } from '@siar/testing'
import type { Aedes } from 'aedes'
import { startPlainAedes } from './plain-aedes.js'

// [MQTT-4.7.2-1] The Server MUST NOT match Topic Filters starting with a wildcard character
// (# or +) with Topic Names beginning with a $ character — retained messages sent on
// SUBSCRIBE included. (The Redis-store half of retained-stream.ts: redis-persistence.test.ts.)

async function retain (aedes: Aedes, topic: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(topic), qos: 0, retain: true, dup: false } as any, (err?: Error) => err ? reject(err) : resolve())
  })
}

/** Retained messages a fresh subscriber to `filters` receives, stopping at the retained `zz/sentinel`. */
async function retainedFor (url: string, aedes: Aedes, t: any, filters: string[]): Promise<string[]> {
  await retain(aedes, '$app/status')
  await retain(aedes, 'app/status')
  await retain(aedes, 'zz/sentinel')
  const sub = await connectMqtt(url, { protocolVersion: 5 })
  t.after(() => sub.end(true))
  const got = new MessageCollector(sub)
  await sub.subscribeAsync([...filters, 'zz/sentinel'])
  await got.waitForTopic('zz/sentinel')
  // All retained messages of one SUBSCRIBE go out in one stream; the sentinel filter is listed last.
  return got.messages.map((m) => m.topic).filter((topic) => topic !== 'zz/sentinel' && !topic.startsWith('$SYS')).sort()
}

test('upstream still broken: plain aedes sends retained $ topics to a # subscriber', async (t) => {
  const plain = await startPlainAedes()
  t.after(() => plain.close())
  assert.deepEqual(await retainedFor(plain.mqttUrl, plain.aedes, t, ['#']), ['$app/status', 'app/status'],
    'plain aedes filters $ topics now: remove the $ part of aedes-fixes/retained-stream.ts')
})

test('siar sends no retained $ topic to wildcard-first filters, and does to filters that name it', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const aedes = tb.broker.aedes
  assert.deepEqual(await retainedFor(tb.mqttUrl, aedes, t, ['#']), ['app/status'])
  assert.deepEqual(await retainedFor(tb.mqttUrl, aedes, t, ['+/status']), ['app/status'])
  assert.deepEqual(await retainedFor(tb.mqttUrl, aedes, t, ['$app/#']), ['$app/status'])
  assert.deepEqual(await retainedFor(tb.mqttUrl, aedes, t, ['#', '$app/+']), ['$app/status', 'app/status'])
})
