import { readFile } from 'node:fs/promises'
import { ErrorCodes, SiarError } from '../errors.js'

/**
 * An ACL file in Mosquitto's syntax:
 *
 *   # comment
 *   topic read public/#            ← before any `user` line: anonymous clients
 *   user alice
 *   topic readwrite alice/#        ← alice only
 *   topic deny alice/secret
 *   pattern readwrite devices/%c/# ← every client, %c = client id, %u = username
 *
 * The access word is optional and defaults to readwrite. The filter is the
 * rest of the line, so it may contain spaces. `pattern` lines apply to all
 * clients wherever they appear in the file.
 */
export type AclAccess = 'read' | 'write' | 'readwrite' | 'deny'

export interface AclRule { access: AclAccess, filter: string }

export interface AclTable {
  /** `topic` lines before the first `user` line. */
  readonly anonymous: readonly AclRule[]
  /** username → that user's `topic` lines. */
  readonly users: ReadonlyMap<string, readonly AclRule[]>
  /** `pattern` lines, unsubstituted. */
  readonly patterns: readonly AclRule[]
}

const ACCESS_WORDS = new Set<AclAccess>(['read', 'write', 'readwrite', 'deny'])

export function parseAclFile (text: string, source = 'ACL file'): AclTable {
  const anonymous: AclRule[] = []
  const users = new Map<string, AclRule[]>()
  const patterns: AclRule[] = []
  let current: AclRule[] = anonymous
  const problems: string[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const m = /^(\S+)\s*(.*)$/.exec(line)
    const keyword = m?.[1] ?? ''
    const rest = m?.[2] ?? ''
    if (keyword === 'user') {
      if (rest === '') return problems.push(`line ${i + 1}: "user" needs a user name`)
      current = users.get(rest) ?? []
      users.set(rest, current)
      return
    }
    if (keyword === 'topic' || keyword === 'pattern') {
      const rule = parseRule(rest)
      if (typeof rule === 'string') return problems.push(`line ${i + 1}: ${rule}`)
      ;(keyword === 'topic' ? current : patterns).push(rule)
      return
    }
    problems.push(`line ${i + 1}: unknown keyword "${keyword}" (expected user, topic or pattern)`)
  })
  if (problems.length > 0) {
    const detail = problems.slice(0, 10).map((p) => `  ${p}`).join('\n')
    throw new SiarError(ErrorCodes.AUTH_FILE_INVALID, `${source} has ${problems.length} problem(s):\n${detail}`)
  }
  return { anonymous, users, patterns }
}

function parseRule (rest: string): AclRule | string {
  const m = /^(\S+)\s+(.+)$/.exec(rest)
  let access: AclAccess = 'readwrite'
  let filter = rest
  if (m && ACCESS_WORDS.has(m[1] as AclAccess)) {
    access = m[1] as AclAccess
    filter = m[2] as string
  } else if (ACCESS_WORDS.has(rest as AclAccess)) {
    return `"${rest}" needs a topic filter after it`
  }
  filter = filter.trim()
  if (filter === '') return 'missing topic filter'
  const invalid = filterProblem(filter)
  return invalid ?? { access, filter }
}

/** [MQTT-4.7.1-2] `#` only as the last level; [MQTT-4.7.1-3] `+` only as a whole level. */
function filterProblem (filter: string): string | undefined {
  const levels = filter.split('/')
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as string
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return `"${filter}": # must be a whole level and the last one`
    if (level.includes('+') && level !== '+') return `"${filter}": + must be a whole level`
  }
  return undefined
}

export async function loadAclFile (path: string): Promise<AclTable> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new SiarError(ErrorCodes.AUTH_FILE_UNREADABLE, `cannot read ACL file ${path}: ${(err as Error).message}`, { cause: err })
  }
  return parseAclFile(text, `ACL file ${path}`)
}
