import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectMqtt, MessageCollector, nextEvent, startTestBroker, waitFor } from '@siar/testing'
import { hashPassword } from '../../src/auth/password-hash.js'

// Async: the broker runs in this process, a sync child would block it.
const run = promisify(execFile)

/** The CONNACK code mqtt.js reports when a connection is refused. */
async function refusedCode (url: string, opts: Parameters<typeof connectMqtt>[1]): Promise<number> {
  try {
    const c = await connectMqtt(url, opts)
    await c.endAsync()
  } catch (err) {
    return (err as { code: number }).code
  }
  assert.fail('the connection was accepted')
}

async function setup (t: { after: (fn: () => unknown) => void }, extra: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'siar-auth-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'passwd')
  execFileSync('mosquitto_passwd', ['-c', '-b', file, 'bob', 'bob-pass'])
  appendFileSync(file, `alice:${await hashPassword('alice-pass', { log2N: 12 })}\n`)
  const b = await startTestBroker({ auth: { passwordFile: file }, ...extra })
  t.after(() => b.close())
  return { b, file, dir }
}

test('wrong password or unknown user: CONNACK 4 (v3) / 0x86 (v5); authFailed and siar_auth_failures_total move', async (t) => {
  const { b } = await setup(t)
  const failures: string[] = []
  b.broker.events.on('authFailed', (i) => failures.push(i.reason))
  assert.equal(await refusedCode(b.mqttUrl, { username: 'alice', password: 'wrong', protocolVersion: 4 }), 4)
  assert.equal(await refusedCode(b.mqttUrl, { username: 'alice', password: 'wrong', protocolVersion: 5 }), 0x86)
  assert.equal(await refusedCode(b.mqttUrl, { username: 'nobody', password: 'alice-pass', protocolVersion: 4 }), 4)
  // A password file turns anonymous off, even on loopback: not authorized.
  assert.equal(await refusedCode(b.mqttUrl, { protocolVersion: 4 }), 5)
  assert.equal(await refusedCode(b.mqttUrl, { protocolVersion: 5 }), 0x87)
  assert.deepEqual(failures, ['bad_credentials', 'bad_credentials', 'bad_credentials', 'anonymous_refused', 'anonymous_refused'])
  const metrics = await (await fetch(`${b.httpUrl}/metrics`)).text()
  assert.match(metrics, /^siar_auth_failures_total\{reason="bad_credentials"\} 3$/m)
  assert.match(metrics, /^siar_auth_failures_total\{reason="anonymous_refused"\} 2$/m)
  const ok = await connectMqtt(b.mqttUrl, { username: 'alice', password: 'alice-pass', protocolVersion: 5 })
  await ok.endAsync()
})

test('a mosquitto_passwd-made file authenticates, also for mosquitto_pub', async (t) => {
  const { b } = await setup(t)
  const bob = await connectMqtt(b.mqttUrl, { username: 'bob', password: 'bob-pass' })
  t.after(() => bob.endAsync())
  const got = new MessageCollector(bob)
  await bob.subscribeAsync('news')
  await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(b.port), '-u', 'bob', '-P', 'bob-pass', '-t', 'news', '-m', 'hi', '-q', '1'], { timeout: 10_000 })
  assert.equal((await got.waitForTopic('news')).payload, 'hi')
  await assert.rejects(run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(b.port), '-u', 'bob', '-P', 'nope', '-t', 'news', '-m', 'x'], { timeout: 10_000 }),
    (err: Error & { stderr: string }) => /not authori[sz]ed|bad user ?name or password/i.test(err.stderr))
})

test('--allow-anonymous keeps anonymous clients in alongside the password file', async (t) => {
  const { b } = await setup(t, { allowAnonymous: true })
  const anon = await connectMqtt(b.mqttUrl)
  await anon.endAsync()
  assert.equal(await refusedCode(b.mqttUrl, { username: 'alice', password: 'wrong' }), 4)
})

test('reload() and an on-disk change add users while connected clients stay; a broken file keeps the old one', async (t) => {
  const { b, file, dir } = await setup(t)
  const alice = await connectMqtt(b.mqttUrl, { username: 'alice', password: 'alice-pass' })
  t.after(() => alice.endAsync())
  let aliceClosed = false
  alice.on('close', () => { aliceClosed = true })
  const got = new MessageCollector(alice)
  await alice.subscribeAsync('chat/#')

  assert.equal(await refusedCode(b.mqttUrl, { username: 'carol', password: 'carol-pass' }), 4)
  appendFileSync(file, `carol:${await hashPassword('carol-pass', { log2N: 12 })}\n`)
  const result = await b.broker.reload()
  assert.deepEqual(result, { ok: true, errors: [] })
  const carol = await connectMqtt(b.mqttUrl, { username: 'carol', password: 'carol-pass' })
  await carol.publishAsync('chat/carol', 'hello', { qos: 1 })
  await got.waitForTopic('chat/carol')
  await carol.endAsync()

  // Editors write a new file and rename it over the old one: the watch still sees it.
  const reloaded = nextEvent(b.broker.events, 'reloaded')
  const tmp = join(dir, 'passwd.tmp')
  writeFileSync(tmp, readFileSync(file, 'utf8') + `dave:${await hashPassword('dave-pass', { log2N: 12 })}\n`)
  renameSync(tmp, file)
  await reloaded
  const dave = await connectMqtt(b.mqttUrl, { username: 'dave', password: 'dave-pass' })
  await dave.endAsync()

  writeFileSync(file, 'this is not a password file\n')
  const broken = await b.broker.reload()
  assert.equal(broken.ok, false)
  assert.match(broken.errors.join('\n'), /password file .*passwd has 1 problem\(s\):\n {2}line 1: expected username:hash/)
  const again = await connectMqtt(b.mqttUrl, { username: 'dave', password: 'dave-pass' })
  await again.endAsync()

  await alice.publishAsync('chat/alice', 'still here', { qos: 1 })
  await waitFor(() => got.messages.some((m) => m.topic === 'chat/alice'), 'alice to receive her own message')
  assert.equal(aliceClosed, false, 'alice stayed connected through every reload')
})

test('a broken password file at start is a clear error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-auth-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'passwd')
  writeFileSync(file, 'alice:plaintext-password\n')
  await assert.rejects(startTestBroker({ auth: { passwordFile: file } }), (err: Error & { code: string }) => {
    assert.equal(err.code, 'SIAR_ERR_AUTH_FILE_INVALID')
    assert.match(err.message, /line 1: user "alice": unknown hash format/)
    assert.doesNotMatch(err.message, /plaintext-password/, 'the secret is not echoed')
    return true
  })
  await assert.rejects(startTestBroker({ auth: { passwordFile: join(dir, 'missing') } }), /cannot read password file .*missing/)
})
