import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectMqtt, MessageCollector, startTestBroker } from '@siar/testing'
import { createLoadAverage } from '../../src/sys/load-average.js'
import { scrape, value } from '../metrics/scrape.js'

// Async: the broker runs in this process, a sync child would block it.
const run = promisify(execFile)

/** mosquitto_sub, bounded by a message count and a timeout; returns its lines. */
async function mosquittoSub (port: number, args: string[], timeoutSeconds = 10): Promise<string[]> {
  const { stdout } = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-W', String(timeoutSeconds), ...args], { timeout: (timeoutSeconds + 5) * 1000 })
  return stdout.split('\n').filter((l) => l !== '')
}

/** `topic payload` lines (mosquitto_sub -v) into a map. */
function tree (lines: string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of lines) {
    const m = /^(\$SYS\/broker\/(?:retained messages\/count|\S+)) (.*)$/.exec(line)
    if (m) out.set(m[1] as string, m[2] as string)
  }
  return out
}

test('mosquitto_sub -t $SYS/# sees the retained tree at once, with Mosquitto names', async (t) => {
  const b = await startTestBroker({ sys: { intervalSeconds: 1 } })
  t.after(() => b.close())
  const c = await connectMqtt(b.mqttUrl)
  t.after(() => c.endAsync())
  await c.subscribeAsync('s/#', { qos: 1 })
  const got = new MessageCollector(c)
  for (let i = 0; i < 3; i++) await c.publishAsync('s/x', 'hello', { qos: 1 })
  await got.waitForCount(3)
  await c.publishAsync('keep/it', 'retained', { qos: 0, retain: true })
  // Two uptime values a tick apart: the tree is live, and it now reflects the traffic above.
  const uptimes = await mosquittoSub(b.port, ['-t', '$SYS/broker/uptime', '-C', '2'])
  assert.equal(uptimes.length, 2)
  for (const u of uptimes) assert.match(u, /^\d+ seconds$/)
  assert.notEqual(uptimes[0], uptimes[1])

  // The whole tree for 3 s (-W ends it with exit code 27): it updates in place.
  const live = await mosquittoSub(b.port, ['-t', '$SYS/#', '-v'], 3).catch((err: { code: number, stdout: string }) => {
    assert.equal(err.code, 27, 'mosquitto_sub ends on its -W timeout')
    return err.stdout.split('\n').filter((l) => l !== '')
  })
  const liveUptimes = new Set(live.filter((l) => l.startsWith('$SYS/broker/uptime ')))
  assert.ok(liveUptimes.size >= 2, `uptime updated: ${[...liveUptimes].join(', ')}`)
  assert.ok(live.includes('$SYS/broker/version siar version ' + b.broker.version))

  // --retained-only: print what is retained, exit at the first live update
  // ($SYS/broker/#: aedes' own non-retained $SYS/<id>/... notices would end it early).
  const sys = tree(await mosquittoSub(b.port, ['-t', '$SYS/broker/#', '-v', '--retained-only']))
  assert.match(sys.get('$SYS/broker/version') ?? '', /^siar version \d+\.\d+\.\d+/)
  assert.match(sys.get('$SYS/broker/uptime') ?? '', /^\d+ seconds$/)
  for (const name of [
    'clients/connected', 'clients/total', 'clients/maximum', 'clients/disconnected', 'messages/received', 'messages/sent',
    'messages/stored', 'publish/messages/received', 'publish/messages/sent', 'bytes/received', 'bytes/sent',
    'subscriptions/count', 'retained messages/count', 'heap/current', 'heap/maximum',
    'load/messages/received/1min', 'load/messages/sent/5min', 'load/bytes/received/15min', 'load/bytes/sent/1min',
    'load/connections/1min', 'load/publish/received/1min'
  ]) {
    assert.ok(sys.has(`$SYS/broker/${name}`), `$SYS/broker/${name} is published`)
  }
  // 3 on s/x and the retained one; sent also counts $SYS updates to mosquitto_sub, as Mosquitto does.
  assert.equal(sys.get('$SYS/broker/publish/messages/received'), '4')
  assert.ok(Number(sys.get('$SYS/broker/publish/messages/sent')) > 3)
  // s/# plus, depending on which tick is retained, the reading mosquitto_sub's own one.
  assert.ok(['1', '2'].includes(sys.get('$SYS/broker/subscriptions/count') ?? ''), 'subscriptions/count')
  assert.equal(sys.get('$SYS/broker/retained messages/count'), '1')
  assert.ok(Number(sys.get('$SYS/broker/clients/connected')) >= 1)
  assert.ok(Number(sys.get('$SYS/broker/bytes/received')) > 0)
  assert.match(sys.get('$SYS/broker/load/messages/received/1min') ?? '', /^\d+\.\d\d$/)
})

test('$SYS is readable only by clients the ACL lets read it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-sys-acl-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const passwordFile = join(dir, 'passwd')
  execFileSync('mosquitto_passwd', ['-c', '-b', passwordFile, 'ops', 'ops-pass'])
  execFileSync('mosquitto_passwd', ['-b', passwordFile, 'device', 'device-pass'])
  const aclFile = join(dir, 'acl')
  writeFileSync(aclFile, 'user ops\ntopic read $SYS/#\n\nuser device\ntopic readwrite devices/#\n')
  const b = await startTestBroker({ sys: { intervalSeconds: 1 }, auth: { passwordFile, aclFile } })
  t.after(() => b.close())

  const ops = tree(await mosquittoSub(b.port, ['-u', 'ops', '-P', 'ops-pass', '-t', '$SYS/broker/#', '-v', '--retained-only']))
  assert.match(ops.get('$SYS/broker/version') ?? '', /^siar version /)

  const device = await connectMqtt(b.mqttUrl, { username: 'device', password: 'device-pass', protocolVersion: 4 })
  t.after(() => device.endAsync())
  const got = new MessageCollector(device)
  // mqtt.js rejects a SUBACK that carries a failure code; the codes ride on the error.
  const granted = await device.subscribeAsync(['$SYS/broker/#', 'devices/#']).then((g) => g.map((x) => x.qos),
    (err: { packet?: { granted?: number[] } }) => err.packet?.granted)
  assert.deepEqual(granted, [128, 0])
  await device.publishAsync('devices/d1', 'after the refused subscription', { qos: 1 })
  await got.waitForTopic('devices/d1')
  assert.deepEqual(got.messages.map((m) => m.topic), ['devices/d1'])
  assert.equal(value(await scrape(b.httpUrl), 'siar_authz_failures_total{action="subscribe"}'), 1)
})

test('sys.intervalSeconds=0 publishes no $SYS tree', async (t) => {
  const b = await startTestBroker({ sys: { intervalSeconds: 0 } })
  t.after(() => b.close())
  const c = await connectMqtt(b.mqttUrl)
  t.after(() => c.endAsync())
  const got = new MessageCollector(c)
  await c.subscribeAsync('$SYS/broker/#')
  // A message published after the subscriptions proves they are live.
  await c.subscribeAsync('marker')
  await c.publishAsync('marker', 'm', { qos: 1 })
  await got.waitForTopic('marker')
  assert.deepEqual(got.messages.filter((m) => m.topic.startsWith('$SYS/broker/')), [])
})

test('load averages follow Mosquitto: per-minute rates, decaying over 1, 5 and 15 minutes', () => {
  const load = createLoadAverage()
  load.update(0, 0)
  assert.deepEqual(load.values(), { '1min': 0, '5min': 0, '15min': 0 })
  // 600 events in 60 s = 600/min; after one minute-long step the 1-minute
  // average has moved 1 - e^-1 of the way there, the 15-minute one far less.
  load.update(600, 60_000)
  const v = load.values()
  assert.ok(Math.abs(v['1min'] - 600 * (1 - Math.exp(-1))) < 1e-9)
  assert.ok(Math.abs(v['15min'] - 600 * (1 - Math.exp(-60 / 900))) < 1e-9)
  assert.ok(v['1min'] > v['5min'] && v['5min'] > v['15min'])
})
