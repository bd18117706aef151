import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectMqtt, MessageCollector, startTestBroker, waitFor } from '@siar/testing'
import type { MqttClient } from 'mqtt'
import { hashPassword } from '../../src/auth/password-hash.js'

/** SUBACK codes, also when mqtt.js turns a v5 failure code into an error. */
async function suback (c: MqttClient, topics: string | string[]): Promise<number[]> {
  try {
    return (await c.subscribeAsync(topics)).map((g) => g.qos)
  } catch (err) {
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted
    if (granted) return granted
    throw err
  }
}

const ACL = `
user dev1
topic read public/#
topic deny public/private/#

user admin
topic readwrite #
topic read $SYS/#

pattern readwrite devices/%c/#
pattern read inbox/%u/#
`

async function setup (t: { after: (fn: () => unknown) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'siar-acl-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const passwordFile = join(dir, 'passwd')
  const lines = await Promise.all(['admin', 'dev1', 'dev2'].map(async (u) => `${u}:${await hashPassword(`${u}-pass`, { log2N: 10 })}`))
  writeFileSync(passwordFile, lines.join('\n') + '\n')
  const aclFile = join(dir, 'acl')
  writeFileSync(aclFile, ACL)
  const b = await startTestBroker({ auth: { passwordFile, aclFile } })
  t.after(() => b.close())
  const connect = async (user: string, clientId: string, protocolVersion: 4 | 5 = 5): Promise<MqttClient> => {
    const c = await connectMqtt(b.mqttUrl, { username: user, password: `${user}-pass`, clientId, protocolVersion })
    t.after(() => c.endAsync(true))
    return c
  }
  return { b, connect, aclFile }
}

test('%c patterns isolate two devices from each other\'s topics', async (t) => {
  const { b, connect } = await setup(t)
  const denied: string[] = []
  b.broker.events.on('accessDenied', (i) => denied.push(i.action))
  const d1 = await connect('dev1', 'device-1', 5)
  const d2 = await connect('dev2', 'device-2', 4)
  const got1 = new MessageCollector(d1)
  const got2 = new MessageCollector(d2)

  // Own tree: granted. The other device's tree: SUBACK 0x87 (v5) / 0x80 (v3).
  assert.deepEqual(await suback(d1, ['devices/device-1/#', 'devices/device-2/#']), [0, 0x87])
  assert.deepEqual(await suback(d2, ['devices/device-2/#', 'devices/device-1/#', '#']), [0, 0x80, 0x80])

  // v5: PUBLISH to a foreign topic gets PUBACK 0x87 and the connection stays.
  await assert.rejects(d1.publishAsync('devices/device-2/cmd', 'evil', { qos: 1 }), (err: { code?: number }) => err.code === 0x87)
  // v3: dropped without closing, as Mosquitto does; the PUBACK still comes back.
  await d2.publishAsync('devices/device-1/cmd', 'evil', { qos: 1 })
  await d2.publishAsync('devices/device-1/cmd', 'evil', { qos: 2 })

  await d1.publishAsync('devices/device-1/state', 'mine-1', { qos: 1 })
  await d2.publishAsync('devices/device-2/state', 'mine-2', { qos: 1 })
  await got1.waitForTopic('devices/device-1/state')
  await got2.waitForTopic('devices/device-2/state')
  assert.ok(d1.connected && d2.connected)
  assert.deepEqual(got1.messages.map((m) => m.payload), ['mine-1'])
  assert.deepEqual(got2.messages.map((m) => m.payload), ['mine-2'])
  assert.deepEqual(denied.filter((a) => a === 'publish').length, 3)
  assert.ok(denied.filter((a) => a === 'subscribe').length >= 3)
})

test('a retained message on a forbidden topic is not delivered, even through a granted wildcard', async (t) => {
  const { connect } = await setup(t)
  const admin = await connect('admin', 'admin-1')
  await admin.publishAsync('public/a', 'open', { qos: 1, retain: true })
  await admin.publishAsync('public/private/b', 'closed', { qos: 1, retain: true })
  await admin.publishAsync('inbox/dev2/secret', 'for dev2 only', { qos: 1, retain: true })

  const d1 = await connect('dev1', 'device-1')
  const got = new MessageCollector(d1)
  // dev1 may read public/# except public/private/#: the wildcard is granted,
  // the deny is applied to each retained message as it is delivered.
  assert.deepEqual(await suback(d1, ['public/#', 'inbox/dev2/#']), [0, 0x87])
  assert.equal((await got.waitForTopic('public/a')).retain, true)
  // Settle: a round trip on dev1's own topic arrives after anything already queued.
  await d1.subscribeAsync('devices/device-1/ping')
  await d1.publishAsync('devices/device-1/ping', 'p', { qos: 1 })
  await got.waitForTopic('devices/device-1/ping')
  assert.deepEqual(got.messages.map((m) => m.topic), ['public/a', 'devices/device-1/ping'])

  // Live messages are filtered the same way.
  await admin.publishAsync('public/private/c', 'closed', { qos: 1 })
  await admin.publishAsync('public/d', 'open', { qos: 1 })
  await got.waitForTopic('public/d')
  assert.ok(!got.messages.some((m) => m.topic.startsWith('public/private') || m.topic.startsWith('inbox/dev2')))
})

test('$SYS is readable only where the ACL grants it', async (t) => {
  const { connect } = await setup(t)
  const admin = await connect('admin', 'admin-1')
  const dev = await connect('dev1', 'device-1')
  assert.deepEqual(await suback(dev, '$SYS/#'), [0x87])
  const got = new MessageCollector(admin)
  assert.deepEqual(await suback(admin, '$SYS/#'), [0])
  // aedes announces every new subscription under $SYS/<id>/new/subscribes.
  await dev.subscribeAsync('devices/device-1/x')
  await waitFor(() => got.messages.some((m) => m.topic.endsWith('/new/subscribes')), 'a $SYS message for admin')
})

test('an ACL reload applies to connected clients on their next packet', async (t) => {
  const { b, connect, aclFile } = await setup(t)
  const dev = await connect('dev1', 'device-1')
  assert.deepEqual(await suback(dev, 'shared/news'), [0x87])
  writeFileSync(aclFile, ACL + '\ntopic read shared/#\n'.replace('topic', 'pattern'))
  assert.equal((await b.broker.reload()).ok, true)
  assert.deepEqual(await suback(dev, 'shared/news'), [0])
  assert.ok(dev.connected)
})
