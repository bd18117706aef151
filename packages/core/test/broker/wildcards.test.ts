import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBroker, connectMqtt, MessageCollector } from '@siar/testing'

test('wildcards: + is one level, # is the rest, $ topics are not matched by leading wildcards', async (t) => {
  const b = await startTestBroker()
  t.after(() => b.close())
  const sub = await connectMqtt(b.mqttUrl)
  const pub = await connectMqtt(b.mqttUrl)
  t.after(() => { sub.end(true); pub.end(true) })
  const got = new MessageCollector(sub)
  await sub.subscribeAsync({ 'a/+/c': { qos: 1 }, 'x/#': { qos: 1 }, '#': { qos: 1 } })

  const topics = ['a/b/c', 'a/b/c/d', 'a/c', 'x', 'x/y/z', '$internal/thing']
  for (const topic of topics) await pub.publishAsync(topic, topic, { qos: 1 })
  await pub.publishAsync('end', 'end', { qos: 1 })
  await got.waitForTopic('end')

  const count = (topic: string): number => got.messages.filter((m) => m.topic === topic).length
  // mqtt.js keeps one subscription per filter; overlapping filters may each deliver.
  assert.ok(count('a/b/c') >= 1, 'a/+/c and # match a/b/c')
  assert.ok(count('a/b/c/d') >= 1, '# matches a/b/c/d')
  assert.ok(count('x') >= 1, 'x/# matches its parent x [MQTT-4.7.1-2]')
  assert.ok(count('x/y/z') >= 1)
  assert.equal(count('$internal/thing'), 0, '# does not match topics starting with $ [MQTT-4.7.2-1]')

  const onlyPlus = await connectMqtt(b.mqttUrl)
  t.after(() => onlyPlus.end(true))
  const plusGot = new MessageCollector(onlyPlus)
  await onlyPlus.subscribeAsync('a/+/c', { qos: 1 })
  for (const topic of ['a/c', 'a/b/c/d', 'a/b/c']) await pub.publishAsync(topic, topic, { qos: 1 })
  const [m] = await plusGot.waitForCount(1)
  assert.equal(m?.topic, 'a/b/c', '+ matches exactly one level')

  const dollar = await connectMqtt(b.mqttUrl)
  t.after(() => dollar.end(true))
  const dollarGot = new MessageCollector(dollar)
  await dollar.subscribeAsync('$internal/#', { qos: 1 })
  await pub.publishAsync('$internal/thing', 'ok', { qos: 1 })
  assert.equal((await dollarGot.waitForTopic('$internal/thing')).payload, 'ok', 'an explicit $ filter does match')
})
