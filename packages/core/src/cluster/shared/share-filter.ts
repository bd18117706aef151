/**
 * Shared subscriptions [MQTT-4.8.2]: `$share/{ShareName}/{filter}`. aedes has
 * none (and refuses them in v5), so siar rewrites them on the way in to an
 * internal filter under `$siar-share/`, which aedes stores, restores with the
 * session and acks like any subscription, but which no real topic matches (a
 * `$` topic is only matched by a filter naming the same `$` level). Delivery is
 * then siar's: one member per group per message.
 */
export const SHARE_PREFIX = '$share/'
export const INTERNAL_PREFIX = '$siar-share/'

export interface ShareKey {
  group: string
  filter: string
  /** `group` and `filter` joined; the identity of a shared subscription. */
  key: string
}

/** Parse `$share/group/filter`; null when it is not a valid shared filter [MQTT-4.8.2-1/2]. */
export function parseShareFilter (topic: string, prefix = SHARE_PREFIX): ShareKey | null {
  if (!topic.startsWith(prefix)) return null
  const rest = topic.slice(prefix.length)
  const slash = rest.indexOf('/')
  if (slash <= 0) return null
  const group = rest.slice(0, slash)
  const filter = rest.slice(slash + 1)
  if (filter.length === 0 || /[+#]/.test(group)) return null
  return { group, filter, key: `${group}/${filter}` }
}

export const toInternal = (share: ShareKey): string => `${INTERNAL_PREFIX}${share.group}/${share.filter}`
export const fromInternal = (topic: string): ShareKey | null => parseShareFilter(topic, INTERNAL_PREFIX)
