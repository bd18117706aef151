/**
 * A per-client index of subscription filters, for clients with many of them.
 *
 * overlapping-subscriptions.ts must find every subscription of a client that
 * matches a delivered message. A linear walk is cheapest for the usual handful
 * of subscriptions, but a gateway-style client with thousands would pay one
 * filter match per subscription per message. Past INDEX_THRESHOLD
 * subscriptions siar builds this trie once (levels split on `/`, `+` one
 * level, `#` the rest including the parent [MQTT-4.7.1-1/2]) and walks only
 * the levels of the topic. It is rebuilt on the next delivery after the
 * client's subscriptions change (aedes 'subscribe'/'unsubscribe'/'clientReady').
 */
export const INDEX_THRESHOLD = 32

interface Node<T> {
  children: Map<string, Node<T>>
  /** Filters ending at this level. */
  here: T[]
  /** Filters ending in `#` below this level. */
  hash: T[]
}

function node<T> (): Node<T> {
  return { children: new Map(), here: [], hash: [] }
}

export class SubscriptionIndex<T> {
  private readonly root: Node<T> = node()
  /** Filters whose first level is a wildcard: they never match `$` topics [MQTT-4.7.2-1]. */
  private readonly wildFirst = new Set<T>()

  add (filter: string, value: T): void {
    const levels = filter.split('/')
    let current = this.root
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i] as string
      if (level === '#') {
        current.hash.push(value)
        if (i === 0) this.wildFirst.add(value)
        return
      }
      let next = current.children.get(level)
      if (next === undefined) {
        next = node()
        current.children.set(level, next)
      }
      current = next
    }
    current.here.push(value)
    if (levels[0] === '+') this.wildFirst.add(value)
  }

  /** Replaces the contents of `into` with the values of the filters matching `topic`. */
  match (topic: string, into: T[]): void {
    into.length = 0
    walk(this.root, topic.split('/'), 0, into)
    if (topic.charCodeAt(0) === 36 && this.wildFirst.size > 0) {
      let kept = 0
      for (const value of into) if (!this.wildFirst.has(value)) into[kept++] = value
      into.length = kept
    }
  }
}

function walk<T> (current: Node<T>, levels: string[], i: number, into: T[]): void {
  for (const value of current.hash) into.push(value)
  if (i === levels.length) {
    for (const value of current.here) into.push(value)
    return
  }
  const exact = current.children.get(levels[i] as string)
  if (exact !== undefined) walk(exact, levels, i + 1, into)
  const plus = current.children.get('+')
  if (plus !== undefined) walk(plus, levels, i + 1, into)
}
