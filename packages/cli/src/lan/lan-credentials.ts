import { randomInt } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parsePasswordFile } from '@siar/core'
import { runPasswd } from '../commands/passwd.js'
import { processIo } from '../output.js'

/** The user `siar start --lan` creates; one shared login for the class's devices. */
export const DEFAULT_LAN_USERNAME = 'device'
export const LAN_CREDENTIALS_FILE = 'lan-credentials.json'
export const LAN_PASSWORD_FILE = 'lan-passwd'

/**
 * No 0/o, 1/l/i: the password gets typed into Arduino sketches from a
 * projector. 4 groups of 5 from 31 symbols ≈ 99 bits, beyond online guessing.
 */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'
const GROUPS = 4
const GROUP_LENGTH = 5

export interface LanCredentials {
  username: string
  password: string
  /** The password file (hashed) the broker reads. */
  passwordFile: string
  /** The file holding the plain password, so it can be shown again next time. */
  credentialsFile: string
  /** True when this call generated them. */
  created: boolean
}

export function generatePassword (): string {
  const groups: string[] = []
  for (let g = 0; g < GROUPS; g++) {
    let group = ''
    for (let i = 0; i < GROUP_LENGTH; i++) group += ALPHABET[randomInt(ALPHABET.length)]
    groups.push(group)
  }
  return groups.join('-')
}

/**
 * Load the LAN login from `dir`, or create it the first time. The plain
 * password is kept (mode 0600, like ~/.ssh keys) because the whole point is
 * to print it again for the next lesson; the broker only sees the hash.
 */
export async function ensureLanCredentials (dir: string): Promise<LanCredentials> {
  const credentialsFile = join(dir, LAN_CREDENTIALS_FILE)
  const passwordFile = join(dir, LAN_PASSWORD_FILE)
  let stored = await readStored(credentialsFile)
  const created = stored === undefined
  await mkdir(dir, { recursive: true, mode: 0o700 })
  if (stored === undefined) {
    stored = { username: DEFAULT_LAN_USERNAME, password: generatePassword() }
    const text = JSON.stringify({ ...stored, createdAt: new Date().toISOString() }, null, 2) + '\n'
    await writeFile(credentialsFile, text, { mode: 0o600 })
  }
  // Same code path as `siar passwd -c -b`: one way to hash and write password files.
  // Rewritten when missing or when the user was edited away by hand.
  if (created || !(await hasUser(passwordFile, stored.username))) {
    await runPasswd(passwordFile, stored.username, stored.password, { create: true, batch: true }, processIo())
  }
  return { ...stored, passwordFile, credentialsFile, created }
}

async function readStored (file: string): Promise<{ username: string, password: string } | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  try {
    const data = JSON.parse(text) as { username?: unknown, password?: unknown }
    if (typeof data.username === 'string' && data.username !== '' && !data.username.includes(':') &&
        typeof data.password === 'string' && data.password !== '') {
      return { username: data.username, password: data.password }
    }
  } catch { /* unreadable: start over below */ }
  return undefined
}

async function hasUser (file: string, user: string): Promise<boolean> {
  try {
    return parsePasswordFile(await readFile(file, 'utf8'), file).users.has(user)
  } catch {
    return false
  }
}
