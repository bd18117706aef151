import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { parsePasswordFile, verifyPassword } from '@siar/core'
import { connectMqtt, startTestBroker } from '@siar/testing'
import { main } from '../src/main.js'
import type { Io } from '../src/output.js'

interface FakeIo { io: Io, stdin: PassThrough & { isTTY?: boolean, setRawMode?: (raw: boolean) => void, raw?: boolean[] }, out: () => string, err: () => string }

function fakeIo (opts: { tty?: boolean } = {}): FakeIo {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (d: Buffer) => { out += d.toString() })
  stderr.on('data', (d: Buffer) => { err += d.toString() })
  const stdin = new PassThrough() as FakeIo['stdin']
  if (opts.tty) {
    stdin.isTTY = true
    stdin.raw = []
    stdin.setRawMode = (raw) => { stdin.raw?.push(raw) }
  }
  return { io: { stdout, stderr, stdin, env: {} }, stdin, out: () => out, err: () => err }
}

function tempDir (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'siar-passwd-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function usersIn (file: string): Promise<Record<string, string>> {
  return Object.fromEntries(parsePasswordFile(readFileSync(file, 'utf8')).users)
}

test('-c -b creates the file (mode 0600) with a $scrypt$ line the broker accepts', async (t) => {
  const file = join(tempDir(t), 'passwd')
  assert.equal(await main(['passwd', '-c', '-b', file, 'alice', 'alice-pass'], fakeIo().io), 0)
  const users = await usersIn(file)
  assert.match(users.alice ?? '', /^\$scrypt\$ln=15,r=8,p=1\$/)
  assert.equal(statSync(file).mode & 0o777, 0o600)
  assert.doesNotMatch(readFileSync(file, 'utf8'), /alice-pass/)

  const b = await startTestBroker({ auth: { passwordFile: file } })
  t.after(() => b.close())
  const c = await connectMqtt(b.mqttUrl, { username: 'alice', password: 'alice-pass' })
  await c.endAsync()
})

test('adds and changes users next to mosquitto_passwd lines, and -D deletes', async (t) => {
  const file = join(tempDir(t), 'passwd')
  execFileSync('mosquitto_passwd', ['-c', '-b', file, 'bob', 'bob-pass'])
  const bobLine = readFileSync(file, 'utf8')
  assert.equal(await main(['passwd', '-b', file, 'carol', 'one'], fakeIo().io), 0)
  assert.equal(await main(['passwd', '-b', file, 'carol', 'two'], fakeIo().io), 0)
  const users = await usersIn(file)
  assert.deepEqual(Object.keys(users), ['bob', 'carol'])
  assert.ok(readFileSync(file, 'utf8').startsWith(bobLine), 'the mosquitto line is kept as it was')
  assert.equal(await verifyPassword(users.carol as string, 'two'), true)
  assert.equal(await verifyPassword(users.bob as string, 'bob-pass'), true)

  assert.equal(await main(['passwd', '-D', file, 'bob'], fakeIo().io), 0)
  assert.deepEqual(Object.keys(await usersIn(file)), ['carol'])
  const gone = fakeIo()
  assert.equal(await main(['passwd', '-D', file, 'bob'], gone.io), 1)
  assert.match(gone.err(), /user bob is not in/)
})

test('on a terminal it asks twice without echo; a mismatch changes nothing', async (t) => {
  const file = join(tempDir(t), 'passwd')
  const ok = fakeIo({ tty: true })
  const run = main(['passwd', '-c', file, 'dave'], ok.io)
  ok.stdin.write('dave-pass\r')
  setImmediate(() => ok.stdin.write('dave-pass\r'))
  assert.equal(await run, 0)
  assert.match(ok.err(), /Password for dave: \nReenter password: \n/)
  assert.doesNotMatch(ok.err() + ok.out(), /dave-pass/, 'nothing echoed')
  assert.deepEqual(ok.stdin.raw, [true, false, true, false])
  assert.equal(await verifyPassword((await usersIn(file)).dave as string, 'dave-pass'), true)

  const before = readFileSync(file, 'utf8')
  const bad = fakeIo({ tty: true })
  const run2 = main(['passwd', file, 'dave'], bad.io)
  bad.stdin.write('one\r')
  setImmediate(() => bad.stdin.write('two\r'))
  assert.equal(await run2, 1)
  assert.match(bad.err(), /passwords do not match/)
  assert.equal(readFileSync(file, 'utf8'), before)
})

test('from a pipe the first line is the password; misuse is a usage error', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'passwd')
  const piped = fakeIo()
  const run = main(['passwd', '-c', file, 'erin'], piped.io)
  piped.stdin.end('erin-pass\nignored\n')
  assert.equal(await run, 0)
  assert.equal(await verifyPassword((await usersIn(file)).erin as string, 'erin-pass'), true)

  const cases: Array<[string[], RegExp]> = [
    [['passwd', join(dir, 'missing'), 'x'], /does not exist; add -c to create it/],
    [['passwd', '-b', file, 'x'], /-b needs the password/],
    [['passwd', file, 'x', 'pw'], /needs -b/],
    [['passwd', '-b', file, 'a:b', 'pw'], /must not contain ":"/],
    [['passwd', '-D', '-c', file, 'x'], /-D cannot be combined/]
  ]
  for (const [argv, message] of cases) {
    const f = fakeIo()
    assert.notEqual(await main(argv, f.io), 0, argv.join(' '))
    assert.match(f.err(), message)
  }
  writeFileSync(join(dir, 'junk'), 'not a password file\n')
  const junk = fakeIo()
  assert.equal(await main(['passwd', '-b', join(dir, 'junk'), 'x', 'y'], junk.io), 1)
  assert.match(junk.err(), /line 1: expected username:hash/)
})
