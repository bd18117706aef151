import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { connectMqtt, getFreePort, MessageCollector, SIAR_BIN, startBrokerProcess, waitFor } from '@siar/testing'
import { createTestPki } from '../listeners/tls-fixtures.js'

const run = promisify(execFile)
const passwd = (...args: string[]) => run(process.execPath, [SIAR_BIN, 'passwd', ...args], { timeout: 20_000 })

function tempDir (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'siar-hup-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('SIGHUP reloads the password file: a new user gets in, connected clients stay', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'passwd')
  await passwd('-c', '-b', file, 'alice', 'alice-pass')
  // watchFiles off (config-file key), so only the signal can bring bob in.
  const config = join(dir, 'siar.yaml')
  writeFileSync(config, `auth:\n  passwordFile: ${file}\n  watchFiles: false\n`)
  const broker = await startBrokerProcess({ args: ['-c', config] })
  t.after(() => broker.stop())

  const alice = await connectMqtt(broker.mqttUrl, { username: 'alice', password: 'alice-pass' })
  t.after(() => alice.endAsync(true))
  let aliceClosed = false
  alice.on('close', () => { aliceClosed = true })
  const got = new MessageCollector(alice)
  await alice.subscribeAsync('room/#')

  await passwd('-b', file, 'bob', 'bob-pass')
  await assert.rejects(connectMqtt(broker.mqttUrl, { username: 'bob', password: 'bob-pass' }), (err: { code?: number }) => err.code === 4)
  process.kill(broker.process.pid, 'SIGHUP')
  const bob = await waitFor(() => connectMqtt(broker.mqttUrl, { username: 'bob', password: 'bob-pass' }), 'bob to be accepted after SIGHUP', 10_000, 100)
  await bob.publishAsync('room/bob', 'hi alice', { qos: 1 })
  assert.equal((await got.waitForTopic('room/bob')).payload, 'hi alice')
  await bob.endAsync()
  assert.equal(aliceClosed, false)
  assert.equal(broker.process.child.exitCode, null, 'SIGHUP did not stop the broker')
  assert.doesNotMatch(broker.process.output(), /alice-pass|bob-pass|\$scrypt\$/, 'no secret in the logs')
})

test('TLS and auth flags on the command line: mqtts only, password required', async (t) => {
  const dir = tempDir(t)
  const pki = await createTestPki()
  t.after(() => pki.cleanup())
  const file = join(dir, 'passwd')
  await passwd('-c', '-b', file, 'carol', 'carol-pass')
  const tlsPort = await getFreePort()
  const broker = await startBrokerProcess({
    args: ['--tls-port', String(tlsPort), '--wss-port', '0', '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey,
      '--password-file', file, '--max-topic-length', '64'],
    env: { SIAR_LOG_LEVEL: 'info' }
  })
  t.after(() => broker.stop())
  await waitFor(() => /MQTT\+TLS +mqtts:\/\/127\.0\.0\.1:\d+/.test(broker.process.output()), `the banner to list mqtts: ${broker.process.output()}`)
  assert.match(broker.process.output(), /password required/)
  const ca = readFileSync(pki.ca)
  const c = await connectMqtt(`mqtts://127.0.0.1:${tlsPort}`, { ca, username: 'carol', password: 'carol-pass' })
  await c.endAsync()
  await assert.rejects(connectMqtt(`mqtts://127.0.0.1:${tlsPort}`, { ca }), (err: { code?: number }) => err.code === 5)
})
