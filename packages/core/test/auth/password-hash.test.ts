import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { argon2id } from 'hash-wasm'
import { checkHashSyntax, hashKind, hashPassword, verifyPassword } from '../../src/auth/password-hash.js'

test('siar writes $scrypt$ hashes with parameters and salt in the line, and verifies them', async () => {
  const stored = await hashPassword('correct horse', { log2N: 10 })
  assert.match(stored, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/)
  assert.equal(hashKind(stored), 'scrypt')
  assert.equal(checkHashSyntax(stored), undefined)
  assert.equal(await verifyPassword(stored, 'correct horse'), true)
  assert.equal(await verifyPassword(stored, 'correct horsf'), false)
  assert.equal(await verifyPassword(stored, ''), false)
  // Same password, new salt: a different line.
  assert.notEqual(await hashPassword('correct horse', { log2N: 10 }), stored)
})

test('a line written by Debian mosquitto_passwd ($7$ PBKDF2-SHA512) verifies unchanged', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-pw-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'passwd')
  execFileSync('mosquitto_passwd', ['-c', '-b', file, 'alice', 's3cret pass'])
  const stored = readFileSync(file, 'utf8').trim().split(':')[1] as string
  assert.equal(hashKind(stored), 'pbkdf2-sha512')
  assert.equal(await verifyPassword(stored, 's3cret pass'), true)
  assert.equal(await verifyPassword(stored, 's3cret pasS'), false)
})

test('Mosquitto 1.x $6$ (SHA-512 of password then salt) and $argon2id$ lines verify', async () => {
  const salt = randomBytes(12)
  const digest = createHash('sha512').update('old-pass').update(salt).digest()
  const six = `$6$${salt.toString('base64')}$${digest.toString('base64')}`
  assert.equal(await verifyPassword(six, 'old-pass'), true)
  assert.equal(await verifyPassword(six, 'old-pasS'), false)

  const argon = await argon2id({ password: 'argon-pass', salt: randomBytes(16), iterations: 2, parallelism: 1, memorySize: 1024, hashLength: 32, outputType: 'encoded' })
  assert.equal(hashKind(argon), 'argon2id')
  assert.equal(checkHashSyntax(argon), undefined)
  assert.equal(await verifyPassword(argon, 'argon-pass'), true)
  assert.equal(await verifyPassword(argon, 'argon-pasS'), false)
})

test('malformed or unknown hashes never verify and are named at load time', async () => {
  for (const bad of ['plaintext', '$1$abc$def', '$7$notanumber$a$b', '$scrypt$ln=99,r=8,p=1$a$b', '$6$only-one-part', '$7$101$$']) {
    assert.equal(await verifyPassword(bad, 'plaintext'), false, bad)
  }
  assert.match(checkHashSyntax('plaintext') ?? '', /unknown hash format/)
  assert.match(checkHashSyntax('$scrypt$ln=99,r=8,p=1$a$b') ?? '', /malformed \$scrypt\$/)
  assert.match(checkHashSyntax('$7$0$a$b') ?? '', /malformed \$7\$/)
})
