import type { AclRule, AclTable } from './acl-file.js'
import { filterCovers, topicMatches } from './topic-match.js'

export interface AclIdentity {
  /** undefined for anonymous clients. */
  username: string | undefined
  clientId: string
}

/** The rules that apply to one client, patterns already substituted. */
export interface ClientAcl {
  canPublish: (topic: string) => boolean
  canRead: (topic: string) => boolean
  canSubscribe: (filter: string) => boolean
}

/**
 * Decide for one client, the way Mosquitto's ACL file does:
 *  - the rules are that user's `topic` lines (the anonymous block when the
 *    client has no username) plus every `pattern` line, substituted;
 *  - a matching `deny` rule wins over any grant;
 *  - otherwise access needs a matching grant: everything else is denied.
 * PUBLISH needs write on the topic; delivery needs read on the topic;
 * SUBSCRIBE needs read on a rule that covers the whole filter, so `#` is not
 * granted by `sensors/#` (deliveries are checked again anyway).
 */
export function compileClientAcl (table: AclTable, id: AclIdentity): ClientAcl {
  const own = id.username === undefined ? table.anonymous : (table.users.get(id.username) ?? [])
  const rules: AclRule[] = [...own]
  for (const p of table.patterns) {
    const filter = substitute(p.filter, id)
    if (filter !== undefined) rules.push({ access: p.access, filter })
  }
  const deny = rules.filter((r) => r.access === 'deny').map((r) => r.filter)
  const read = rules.filter((r) => r.access === 'read' || r.access === 'readwrite').map((r) => r.filter)
  const write = rules.filter((r) => r.access === 'write' || r.access === 'readwrite').map((r) => r.filter)
  const allowedTopic = (grants: string[], topic: string): boolean =>
    !deny.some((f) => topicMatches(f, topic)) && grants.some((f) => topicMatches(f, topic))
  return {
    canPublish: (topic) => allowedTopic(write, topic),
    canRead: (topic) => allowedTopic(read, topic),
    canSubscribe: (filter) => !deny.some((f) => filterCovers(f, filter)) && read.some((f) => filterCovers(f, filter))
  }
}

/** Characters that would let an identity reach outside its own subtree. */
const UNSAFE_IN_PATTERN = /[+#/]/

/**
 * %c → client id, %u → username. A pattern whose placeholder cannot be
 * filled safely (no username, or a value holding `+`, `#` or `/`) is
 * skipped, so `devices/%u/#` never grants `devices/+/#` or another user's tree.
 */
function substitute (filter: string, id: AclIdentity): string | undefined {
  if (filter.includes('%u') && (id.username === undefined || id.username === '' || UNSAFE_IN_PATTERN.test(id.username))) return undefined
  if (filter.includes('%c') && (id.clientId === '' || UNSAFE_IN_PATTERN.test(id.clientId))) return undefined
  return filter.replaceAll('%u', id.username ?? '').replaceAll('%c', id.clientId)
}
