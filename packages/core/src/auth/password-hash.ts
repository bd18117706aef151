import { createHash, pbkdf2, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { argon2Verify } from 'hash-wasm'

/**
 * Password hashes as they appear after `user:` in a password file.
 *
 * siar writes `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt base64>$<hash base64>`
 * (scrypt from node:crypto, 16-byte random salt, 32-byte key). It also
 * verifies what mosquitto_passwd writes, so a Mosquitto file works unchanged:
 *   `$7$<iterations>$<salt base64>$<hash base64>`  PBKDF2-HMAC-SHA512, 64-byte key (Mosquitto 2.0)
 *   `$6$<salt base64>$<hash base64>`               SHA-512 over password then salt (Mosquitto 1.x)
 *   `$argon2id$v=19$m=...,t=...,p=...$<salt>$<hash>` PHC string (Mosquitto 2.1)
 */
export const DEFAULT_SCRYPT_LOG2_N = 15
export const DEFAULT_SCRYPT_R = 8
export const DEFAULT_SCRYPT_P = 1
const SCRYPT_SALT_BYTES = 16
const SCRYPT_KEY_BYTES = 32
/** Refuse parameters that would let a crafted file pin the CPU or exhaust memory. */
const MAX_SCRYPT_LOG2_N = 20
const MAX_PBKDF2_ITERATIONS = 10_000_000

export type PasswordHashKind = 'scrypt' | 'pbkdf2-sha512' | 'sha512' | 'argon2id'

export interface HashOptions { log2N?: number, r?: number, p?: number }

export async function hashPassword (password: string, opts: HashOptions = {}): Promise<string> {
  const ln = opts.log2N ?? DEFAULT_SCRYPT_LOG2_N
  const r = opts.r ?? DEFAULT_SCRYPT_R
  const p = opts.p ?? DEFAULT_SCRYPT_P
  const salt = randomBytes(SCRYPT_SALT_BYTES)
  const key = await scryptAsync(password, salt, SCRYPT_KEY_BYTES, scryptParams(ln, r, p))
  return `$scrypt$ln=${ln},r=${r},p=${p}$${salt.toString('base64')}$${key.toString('base64')}`
}

/** Which scheme a stored hash uses, or undefined when siar cannot verify it. */
export function hashKind (stored: string): PasswordHashKind | undefined {
  if (stored.startsWith('$scrypt$')) return 'scrypt'
  if (stored.startsWith('$7$')) return 'pbkdf2-sha512'
  if (stored.startsWith('$6$')) return 'sha512'
  if (stored.startsWith('$argon2id$')) return 'argon2id'
  return undefined
}

/**
 * True when `password` matches `stored`. Malformed hashes verify as false
 * (never throw) so one bad line cannot break logins for everyone else.
 */
export async function verifyPassword (stored: string, password: string): Promise<boolean> {
  try {
    switch (hashKind(stored)) {
      case 'scrypt': return await verifyScrypt(stored, password)
      case 'pbkdf2-sha512': return await verifyPbkdf2(stored, password)
      case 'sha512': return verifySha512(stored, password)
      case 'argon2id': return await argon2Verify({ password, hash: stored })
      default: return false
    }
  } catch {
    return false
  }
}

/** A reason the stored hash is unusable, for load-time errors; undefined when fine. */
export function checkHashSyntax (stored: string): string | undefined {
  const kind = hashKind(stored)
  if (!kind) return 'unknown hash format (expected $scrypt$, $7$, $6$ or $argon2id$)'
  const parts = stored.split('$')
  if (kind === 'scrypt') {
    if (parts.length !== 5 || !parseScryptParams(parts[2] ?? '')) return 'malformed $scrypt$ hash'
  } else if (kind === 'pbkdf2-sha512') {
    const iterations = Number(parts[2])
    if (parts.length !== 5 || !Number.isInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) return 'malformed $7$ hash'
  } else if (kind === 'sha512') {
    if (parts.length !== 4) return 'malformed $6$ hash'
  } else if (parts.length !== 6) {
    return 'malformed $argon2id$ hash'
  }
  return undefined
}

async function verifyScrypt (stored: string, password: string): Promise<boolean> {
  const [, , params, saltB64, hashB64] = stored.split('$')
  const p = parseScryptParams(params ?? '')
  if (!p || !saltB64 || !hashB64) return false
  const expected = Buffer.from(hashB64, 'base64')
  if (expected.length < 16) return false
  const key = await scryptAsync(password, Buffer.from(saltB64, 'base64'), expected.length, scryptParams(p.ln, p.r, p.p))
  return timingSafeEqual(key, expected)
}

async function verifyPbkdf2 (stored: string, password: string): Promise<boolean> {
  const [, , iterText, saltB64, hashB64] = stored.split('$')
  const iterations = Number(iterText)
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS || !saltB64 || !hashB64) return false
  const expected = Buffer.from(hashB64, 'base64')
  if (expected.length === 0) return false
  const key = await new Promise<Buffer>((resolve, reject) => {
    pbkdf2(password, Buffer.from(saltB64, 'base64'), iterations, expected.length, 'sha512', (err, k) => err ? reject(err) : resolve(k))
  })
  return timingSafeEqual(key, expected)
}

function verifySha512 (stored: string, password: string): boolean {
  const [, , saltB64, hashB64] = stored.split('$')
  if (!saltB64 || !hashB64) return false
  const expected = Buffer.from(hashB64, 'base64')
  const digest = createHash('sha512').update(password, 'utf8').update(Buffer.from(saltB64, 'base64')).digest()
  return expected.length === digest.length && timingSafeEqual(digest, expected)
}

function parseScryptParams (text: string): { ln: number, r: number, p: number } | undefined {
  const m = /^ln=(\d+),r=(\d+),p=(\d+)$/.exec(text)
  if (!m) return undefined
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (ln < 1 || ln > MAX_SCRYPT_LOG2_N || r < 1 || r > 32 || p < 1 || p > 16) return undefined
  return { ln, r, p }
}

function scryptParams (ln: number, r: number, p: number): ScryptOptions {
  const N = 2 ** ln
  // node's default maxmem (32 MiB) is too small for N=2^15,r=8 (= 32 MiB + overhead).
  return { N, r, p, maxmem: 256 * N * r + 16 * 1024 * 1024 }
}

function scryptAsync (password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, opts, (err, key) => err ? reject(err) : resolve(key))
  })
}
