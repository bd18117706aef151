import { topicMatches } from '../auth/topic-match.js'
import type { BridgeOptions } from '../options.js'

type TopicOptions = BridgeOptions['topics'][number]

/**
 * One `topics` entry, with Mosquitto's bridge semantics (mosquitto.conf
 * `topic pattern [[[out | in | both] qos-level] local-prefix remote-prefix]`):
 * the local side is `localPrefix + pattern`, the remote side
 * `remotePrefix + pattern`, and a topic crossing the bridge keeps the part the
 * pattern matched while its prefix is swapped. An empty pattern maps the one
 * topic `localPrefix` to the one topic `remotePrefix`.
 */
export interface TopicRule {
  /** Filter on this broker (subscribed for `out`, published to for `in`). */
  readonly localFilter: string
  /** Filter on the remote broker (subscribed there for `in`). */
  readonly remoteFilter: string
  readonly out: boolean
  readonly in: boolean
  /** Highest QoS for messages under this rule (the bridge subscription's QoS). */
  readonly qos: 0 | 1 | 2
  /** The remote topic for a local one, or undefined when this rule does not cover it. */
  toRemote: (localTopic: string) => string | undefined
  /** The local topic for a remote one, or undefined when this rule does not cover it. */
  toLocal: (remoteTopic: string) => string | undefined
}

export function compileTopicRule (t: TopicOptions): TopicRule {
  const localFilter = t.localPrefix + t.pattern
  const remoteFilter = t.remotePrefix + t.pattern
  return {
    localFilter,
    remoteFilter,
    out: t.direction === 'out' || t.direction === 'both',
    in: t.direction === 'in' || t.direction === 'both',
    qos: t.qos as 0 | 1 | 2,
    toRemote: (topic) => swapPrefix(localFilter, t.localPrefix, t.remotePrefix, topic),
    toLocal: (topic) => swapPrefix(remoteFilter, t.remotePrefix, t.localPrefix, topic)
  }
}

function swapPrefix (filter: string, from: string, to: string, topic: string): string | undefined {
  if (!topicMatches(filter, topic)) return undefined
  // `a/#` also matches the parent `a` [MQTT-4.7.1-2], which lacks the prefix
  // `a/`: nothing to carry over, so the rule does not take it.
  if (!topic.startsWith(from)) return undefined
  return to + topic.slice(from.length)
}

/** Every rule of a bridge, first match wins (a message crosses a bridge at most once). */
export interface TopicRules {
  readonly rules: readonly TopicRule[]
  /** Where a local message goes on the remote side, or undefined when no `out` rule takes it. */
  outbound: (localTopic: string) => { rule: TopicRule, topic: string } | undefined
  /** Where a remote message goes on this broker, or undefined when no `in` rule takes it. */
  inbound: (remoteTopic: string) => { rule: TopicRule, topic: string } | undefined
}

export function compileTopicRules (topics: readonly TopicOptions[]): TopicRules {
  const rules = topics.map(compileTopicRule)
  const outRules = rules.filter((r) => r.out)
  const inRules = rules.filter((r) => r.in)
  return {
    rules,
    outbound: (localTopic) => {
      for (const rule of outRules) {
        const topic = rule.toRemote(localTopic)
        if (topic !== undefined) return { rule, topic }
      }
      return undefined
    },
    inbound: (remoteTopic) => {
      for (const rule of inRules) {
        const topic = rule.toLocal(remoteTopic)
        if (topic !== undefined) return { rule, topic }
      }
      return undefined
    }
  }
}
