import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SubscriptionIndex } from '../../src/aedes-fixes/subscription-index.js'
import { topicMatchesFilter } from '../../src/aedes-fixes/topic-filter.js'

// MQTT topic matching (§4.7): `+` one level (may be empty), `#` the parent and any children,
// wildcard-first filters never match `$` topics [MQTT-4.7.2-1]. The linear matcher and the trie
// must agree with each other and with these expectations.

const filters = ['#', '+', '+/+', 'a', 'a/#', 'a/+', 'a/b', 'a/+/c', 'a/b/#', '+/b/#', '/#', '$SYS/#', '$SYS/+/x', 'a/', 'a//c', 'b/+']

const expected: Record<string, string[]> = {
  a: ['#', '+', 'a', 'a/#'],
  'a/b': ['#', '+/+', 'a/#', 'a/+', 'a/b', 'a/b/#', '+/b/#'],
  'a/b/c': ['#', 'a/#', 'a/+/c', 'a/b/#', '+/b/#'],
  'a/': ['#', '+/+', 'a/#', 'a/+', 'a/'],
  'a//c': ['#', 'a/#', 'a/+/c', 'a//c'],
  '/x': ['#', '+/+', '/#'],
  'b/q': ['#', '+/+', 'b/+'],
  '$SYS/n/x': ['$SYS/#', '$SYS/+/x'],
  '$SYS': ['$SYS/#']
}

test('the linear matcher and the trie agree with the MQTT matching rules', () => {
  const index = new SubscriptionIndex<string>()
  for (const f of filters) index.add(f, f)
  const found: string[] = []
  for (const [topic, want] of Object.entries(expected)) {
    const linear = filters.filter((f) => topicMatchesFilter(f, topic))
    index.match(topic, found)
    assert.deepEqual(linear.sort(), [...want].sort(), `linear, topic ${topic}`)
    assert.deepEqual([...found].sort(), [...want].sort(), `trie, topic ${topic}`)
  }
})

test('the matchers agree on generated filters and topics', () => {
  const levels = ['a', 'b', '', '$x']
  const topics: string[] = []
  const gen: string[] = []
  for (const l1 of levels) {
    for (const l2 of [...levels, null]) {
      for (const l3 of [...levels, null]) {
        const parts = [l1, l2, l3].filter((p): p is string => p !== null)
        if (parts.slice(1).some((p) => p.startsWith('$'))) continue
        topics.push(parts.join('/'))
        for (let w = 0; w < parts.length; w++) {
          gen.push(parts.map((p, i) => (i === w ? '+' : p)).join('/'))
          gen.push([...parts.slice(0, w), '#'].join('/'))
        }
      }
    }
  }
  const unique = [...new Set(gen)].filter((f) => !f.includes('$') || f.startsWith('$'))
  const index = new SubscriptionIndex<string>()
  for (const f of unique) index.add(f, f)
  const found: string[] = []
  for (const topic of new Set(topics)) {
    index.match(topic, found)
    assert.deepEqual([...found].sort(), unique.filter((f) => topicMatchesFilter(f, topic)).sort(), `topic ${JSON.stringify(topic)}`)
  }
})
