import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { getFreePort, spawnTracked, waitFor, withTimeout, type SpawnedProcess } from '@siar/testing'
import { ClientErrorCodes, connect } from '../src/index.js'
import { canConnect } from './support/brokers.js'

test('a reconnect refused for bad credentials stops retrying and closes with the reason', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-client-auth-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  // mosquitto started as root drops to its own user, which must read these files.
  chmodSync(dir, 0o755)
  const port = await getFreePort()
  const passwords = join(dir, 'passwd')
  const config = join(dir, 'mosquitto.conf')
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwords}\n`)
  let proc: SpawnedProcess | null = null
  const startWithPassword = async (password: string): Promise<void> => {
    execFileSync('mosquitto_passwd', ['-c', '-b', passwords, 'app', password])
    chmodSync(passwords, 0o644)
    const p = spawnTracked('mosquitto', ['-c', config])
    proc = p
    // waitFor retries on a throw, so report an early exit as a value and throw after.
    const state = await waitFor(async () => p.child.exitCode !== null ? 'exited' : await canConnect(port) && 'up', 'mosquitto with a password file', 10_000, 25)
    if (state === 'exited') throw new Error(`mosquitto exited: ${p.output()}`)
  }
  t.after(async () => { await proc?.stop() })

  await startWithPassword('first')
  const client = await connect(`mqtt://app:first@127.0.0.1:${port}`, { reconnect: { initialDelayMs: 20, maxDelayMs: 40 } })
  t.after(() => client.end(true))
  let attempts = 0
  client.on('reconnecting', () => { attempts++ })
  const offline = client.next('offline')
  await proc!.stop()
  await withTimeout(offline, "'offline' event")
  // The password changed while the client was away.
  const closed = client.next('close')
  await startWithPassword('second')
  const { error } = await withTimeout(closed, "'close' event", 10_000)
  assert.equal(error?.code, ClientErrorCodes.CLOSED)
  assert.match(error?.message ?? '', new RegExp(`^connection to 127\\.0\\.0\\.1:${port} lost: the broker refused the reconnect: (bad user name or password \\(0x86\\)|not authorized \\(0x87\\))$`))
  const seen = attempts
  // No further attempt is scheduled after a fatal refusal.
  assert.equal(client.connected, false)
  await assert.rejects(client.publish('x', 'y'), (err: Error & { code?: string }) => err.code === ClientErrorCodes.CLOSED)
  assert.equal(attempts, seen)
})
