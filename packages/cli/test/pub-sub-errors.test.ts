import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { getFreePort, spawnTracked, startTestBroker, waitFor } from '@siar/testing'
import { canConnect, startMosquittoBackend } from '../../client/test/support/brokers.js'
import { run, subscribed } from './pub-sub-support.js'

test('connection refused: one line on stderr and exit 1, for pub and sub', async () => {
  const backend = await startMosquittoBackend()
  await backend.close()
  for (const cmd of [['pub', '-m', 'x'], ['sub']]) {
    const r = await run([...cmd, '-h', '127.0.0.1', '-p', String(backend.port), '-t', 'a'])
    assert.equal(r.code, 1)
    assert.equal(r.stderr, `siar: ECONNREFUSED 127.0.0.1:${backend.port}: nothing is listening there (is the broker running? right port?)\n`)
    assert.equal(r.stdout, '')
  }
})

test('auth failure: one line naming the reason code, exit 1 (-u/-P, and credentials in -L)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-cli-auth-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  chmodSync(dir, 0o755) // mosquitto started as root reads these as its own user
  const port = await getFreePort()
  const passwords = join(dir, 'passwd')
  execFileSync('mosquitto_passwd', ['-c', '-b', passwords, 'app', 'secret'])
  chmodSync(passwords, 0o644)
  writeFileSync(join(dir, 'm.conf'), `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwords}\n`)
  const proc = spawnTracked('mosquitto', ['-c', join(dir, 'm.conf')])
  t.after(() => proc.stop())
  await waitFor(() => canConnect(port), `mosquitto on ${port}`)

  const wrong = await run(['pub', '-h', '127.0.0.1', '-p', String(port), '-u', 'app', '-P', 'nope', '-t', 'a', '-m', 'x'])
  assert.equal(wrong.code, 1)
  assert.equal(wrong.stderr, `siar: broker 127.0.0.1:${port} refused the connection: not authorized (0x87)\n`)
  const v311 = await run(['sub', '-h', '127.0.0.1', '-p', String(port), '-V', '311', '-t', 'a'])
  assert.equal(v311.code, 1)
  assert.equal(v311.stderr, `siar: broker 127.0.0.1:${port} refused the connection: not authorized (5)\n`)
  const ok = await run(['pub', '-L', `mqtt://app:secret@127.0.0.1:${port}/a`, '-m', 'x'])
  assert.equal(ok.code, 0, ok.stderr)
})

test('a server that never answers CONNECT: one timeout line, exit 1', async (t) => {
  const sockets = new Set<Socket>()
  const silent = createServer((s) => { sockets.add(s) })
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.after(() => { for (const s of sockets) s.destroy(); silent.close() })
  const port = (silent.address() as { port: number }).port
  const r = await run(['pub', '-h', '127.0.0.1', '-p', String(port), '-t', 'a', '-m', 'x'])
  assert.equal(r.code, 1)
  assert.equal(r.stderr, `siar: no answer from 127.0.0.1:${port} within 10000 ms (is it an MQTT broker? is a firewall dropping packets?)\n`)
})

test('sub: SIGINT exits 0; a broker going away exits 1 with one line', async (t) => {
  const broker = await startTestBroker()
  t.after(() => broker.close())
  const args = ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'x']
  const a = await subscribed(args)
  a.signal('SIGINT')
  assert.equal(await a.code, 0)
  const b = await subscribed(args)
  await broker.close()
  assert.equal(await b.code, 1)
  assert.match(b.stderr(), /\nsiar: connection to 127\.0\.0\.1:\d+ lost: the broker sent DISCONNECT: server shutting down \(0x8b\)\n$/)
})

test('usage errors exit 2 with one line', async () => {
  const r = await run(['pub', '-t', 'a'])
  assert.equal(r.code, 2)
  assert.equal(r.stderr, 'siar: no message: give one of -m TEXT, -n, -f FILE, -l or -s\n')
  const q = await run(['sub', '-t', 'a', '-q', '3'])
  assert.equal(q.code, 2)
  assert.equal(q.stderr, 'siar: -q must be a whole number from 0 to 2, got "3"\n')
})
