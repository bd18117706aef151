import { Readable } from 'node:stream'
import { topicMatchesFilter } from './topic-filter.js'

/**
 * Retained messages sent on SUBSCRIBE: two gaps between aedes 2.0.0-beta.1 and
 * its persistences, closed around `persistence.createRetainedStreamCombi(filters)`.
 *
 * 1. `$` topics. The persistences match retained topics with qlobber, which
 *    knows nothing of [MQTT-4.7.2-1] ("The Server MUST NOT match Topic Filters
 *    starting with a wildcard character (# or +) with Topic Names beginning
 *    with a $ character"), and aedes sends what they return: a `#` subscriber
 *    got every retained `$SYS/...` message. siar drops a `$` topic unless one
 *    of the SUBSCRIBE's filters matches it by the MQTT rules.
 * 2. Stream type. aedes pipes the result into its sender (`stream.pipe(...)`).
 *    The in-memory persistence returns a Readable; aedes-persistence-redis 12's
 *    async persistence returns an async generator, which has no `pipe`, so the
 *    first SUBSCRIBE matching a retained message threw inside a timer and took
 *    the process down. Retained messages MUST be sent on subscribe
 *    [MQTT-3.3.1-6]. siar hands aedes a Readable whatever the store returns.
 *
 * Runs once per SUBSCRIBE; a SUBSCRIBE without a wildcard-first filter from a
 * store that returns a Readable gets the store's own stream back.
 */
export function fixRetainedOnSubscribe (persistence: any): void {
  const createCombi = persistence.createRetainedStreamCombi
  if (typeof createCombi !== 'function') return
  persistence.createRetainedStreamCombi = function siarRetainedStreamCombi (filters: string[]) {
    const result = createCombi.call(this, filters)
    if (filters.some(startsWithWildcard)) return Readable.from(withoutForeignDollarTopics(result, filters))
    return typeof result?.pipe === 'function' ? result : Readable.from(result)
  }
}

function startsWithWildcard (filter: string): boolean {
  const first = filter.charCodeAt(0)
  return first === 35 || first === 43 // '#', '+'
}

/**
 * The in-memory store yields a message once per filter it matches; a `$` topic
 * a wildcard-first filter wrongly matched cannot be told from the copy a
 * naming filter matched, so `$` topics go out once per SUBSCRIBE.
 */
async function * withoutForeignDollarTopics (source: AsyncIterable<any>, filters: string[]): AsyncGenerator<any> {
  const sentDollarTopics = new Set<string>()
  for await (const packet of source) {
    const topic: string = packet.topic
    if (topic.charCodeAt(0) !== 36) {
      yield packet
    } else if (!sentDollarTopics.has(topic) && filters.some((filter) => topicMatchesFilter(filter, topic))) {
      sentDollarTopics.add(topic)
      yield packet
    }
  }
}
