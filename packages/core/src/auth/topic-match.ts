/**
 * MQTT topic filter matching for access control. Both functions follow the
 * spec's rule that a filter starting with a wildcard does not match a topic
 * starting with `$` [MQTT-4.7.2-1], so `#` never grants `$SYS/...`: access
 * to `$SYS` has to be granted by a rule that names it.
 */

/** True when the concrete `topic` is matched by `filter`. */
export function topicMatches (filter: string, topic: string): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false
  for (let i = 0; i < f.length; i++) {
    const level = f[i]
    if (level === '#') return true // [MQTT-4.7.1-2] also matches the parent level
    if (i >= t.length) return false
    if (level !== '+' && level !== t[i]) return false
  }
  return f.length === t.length
}

/**
 * True when every topic that `sub` (a subscription filter) can match is also
 * matched by `rule`: the test for granting a SUBSCRIBE. `a/#` covers `a/+/b`
 * and `a`; `a/+` does not cover `a/#`.
 */
export function filterCovers (rule: string, sub: string): boolean {
  const r = rule.split('/')
  const s = sub.split('/')
  // A `$` topic is only ever covered by a rule that names its first level.
  if (sub.startsWith('$') && (r[0] === '+' || r[0] === '#')) return false
  for (let i = 0; i < r.length; i++) {
    const rl = r[i]
    if (rl === '#') return true
    if (i >= s.length) return false
    const sl = s[i]
    if (sl === '#') return false
    if (rl === '+') continue
    if (sl === '+' || sl !== rl) return false
  }
  return r.length === s.length
}

