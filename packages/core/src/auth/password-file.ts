import { readFile } from 'node:fs/promises'
import { ErrorCodes, SiarError } from '../errors.js'
import { checkHashSyntax } from './password-hash.js'

/**
 * A password file in mosquitto_passwd's layout: one `username:hash` per line.
 * Blank lines and lines starting with `#` are ignored. The username is
 * everything before the first `:` (so it cannot itself contain one).
 */
export interface PasswordFileProblem { line: number, message: string }

export interface PasswordTable {
  /** username → stored hash */
  readonly users: ReadonlyMap<string, string>
}

export function parsePasswordFile (text: string, source = 'password file'): PasswordTable {
  const users = new Map<string, string>()
  const problems: PasswordFileProblem[] = []
  const lines = text.split(/\r?\n/)
  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const colon = line.indexOf(':')
    if (colon <= 0) {
      problems.push({ line: i + 1, message: 'expected username:hash' })
      return
    }
    const user = line.slice(0, colon)
    const hash = line.slice(colon + 1)
    const bad = checkHashSyntax(hash)
    // Never echo the hash itself into an error message or a log.
    if (bad) problems.push({ line: i + 1, message: `user "${user}": ${bad}` })
    else if (users.has(user)) problems.push({ line: i + 1, message: `user "${user}" appears twice` })
    else users.set(user, hash)
  })
  if (problems.length > 0) {
    const detail = problems.slice(0, 10).map((p) => `  line ${p.line}: ${p.message}`).join('\n')
    throw new SiarError(ErrorCodes.AUTH_FILE_INVALID, `${source} has ${problems.length} problem(s):\n${detail}`)
  }
  return { users }
}

export async function loadPasswordFile (path: string): Promise<PasswordTable> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new SiarError(ErrorCodes.AUTH_FILE_UNREADABLE, `cannot read password file ${path}: ${(err as Error).message}`, { cause: err })
  }
  return parsePasswordFile(text, `password file ${path}`)
}

/**
 * Replace, add (hash !== undefined) or delete (hash === undefined) one user's
 * line, keeping every other line (comments included) as it was.
 * Returns the new text and whether the user was present before.
 */
export function updatePasswordText (text: string, user: string, hash: string | undefined): { text: string, existed: boolean } {
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/)
  let existed = false
  const out: string[] = []
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0 && line.slice(0, colon).trim() === user && !line.trim().startsWith('#')) {
      if (!existed && hash !== undefined) out.push(`${user}:${hash}`)
      existed = true
      continue
    }
    out.push(line)
  }
  if (!existed && hash !== undefined) out.push(`${user}:${hash}`)
  return { text: out.length === 0 ? '' : out.join('\n') + '\n', existed }
}
