/**
 * Does a topic name match a subscription filter? [MQTT-4.7]: `+` is one level,
 * `#` the rest (including the parent level), and a filter starting with a
 * wildcard never matches a topic starting with `$` [MQTT-4.7.2-1].
 * `$share/group/` is stripped first: the group is not part of the filter.
 */
export function topicMatches (filter: string, topic: string): boolean {
  if (filter.startsWith('$share/')) {
    const rest = filter.indexOf('/', 7)
    if (rest < 0) return false
    filter = filter.slice(rest + 1)
  }
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false
  const f = filter.split('/')
  const t = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    const part = f[i]
    if (part === '#') return true
    if (i >= t.length) return false
    if (part !== '+' && part !== t[i]) return false
  }
  return f.length === t.length
}
