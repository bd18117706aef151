/**
 * Does `topic` match the subscription `filter`? MQTT matching rules, without
 * splitting strings (this runs per delivered message):
 * - `+` matches exactly one level, which may be empty [MQTT-4.7.1-2] (aedes
 *   routes with mqemitter's matchEmptyLevels, so `a/+` matches `a/`);
 * - `#` matches the parent level and any number of child levels [MQTT-4.7.1-1];
 * - a filter starting with a wildcard does not match a topic starting with `$`
 *   [MQTT-4.7.2-1].
 * The filter is assumed valid: aedes validated it on SUBSCRIBE.
 */
const SLASH = 47
const PLUS = 43
const HASH = 35
const DOLLAR = 36

export function topicMatchesFilter (filter: string, topic: string): boolean {
  const first = filter.charCodeAt(0)
  if (topic.charCodeAt(0) === DOLLAR && (first === PLUS || first === HASH)) return false
  const fl = filter.length
  const tl = topic.length
  let fi = 0
  let ti = 0
  while (fi < fl) {
    const c = filter.charCodeAt(fi)
    if (c === HASH) return true
    if (c === PLUS) {
      while (ti < tl && topic.charCodeAt(ti) !== SLASH) ti++
      fi++
      continue
    }
    if (ti < tl && topic.charCodeAt(ti) === c) {
      fi++
      ti++
      continue
    }
    // `a/#` also matches `a` itself.
    return ti === tl && c === SLASH && fi + 2 === fl && filter.charCodeAt(fi + 1) === HASH
  }
  return ti === tl
}
