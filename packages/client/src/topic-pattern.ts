import { ClientErrorCodes, MqttClientError } from './errors.js'

/**
 * The parameters a pattern names, as a type: `'sensors/:id/temp'` gives
 * `{ id: string }`, `'logs/:app/:rest*'` gives `{ app: string, rest: string }`.
 */
export type TopicParams<P extends string> =
  P extends `${infer Head}/${infer Tail}` ? LevelParam<Head> & TopicParams<Tail> : LevelParam<P>

type LevelParam<L extends string> =
  L extends `:${infer Name}*` ? { [K in Name]: string }
    : L extends `:${infer Name}` ? { [K in Name]: string }
      : Record<never, never>

/** Flatten `A & B` into one object type so editors show `{ id: string }`. */
type Simplify<T> = { [K in keyof T]: T[K] }

export interface TopicPattern<P extends string = string> {
  /** The pattern as written, e.g. `sensors/:id/temp`. */
  readonly pattern: P
  /** The MQTT subscription filter: `:name` → `+`, a final `:name*` → `#`. */
  readonly filter: string
  /** The topic for these parameter values. */
  build: (params: Simplify<TopicParams<P>>) => string
  /** The parameters of a topic this pattern matches, or null. */
  match: (topic: string) => Simplify<TopicParams<P>> | null
}

type Level = { kind: 'literal', text: string } | { kind: 'one' | 'rest', name: string }

/**
 * A topic pattern with named parameters. `:name` stands for one level, and a
 * last level `:name*` for all remaining levels (an MQTT `#`, which also
 * matches the parent level [MQTT-4.7.1-2], giving an empty string).
 */
export function topic<const P extends string> (pattern: P): TopicPattern<P> {
  const levels = parsePattern(pattern)
  const filter = levels.map((l) => l.kind === 'literal' ? l.text : l.kind === 'one' ? '+' : '#').join('/')
  type Params = Simplify<TopicParams<P>>

  const build = (params: Params): string => {
    const values = params as Record<string, unknown>
    const out = levels.map((l) => {
      if (l.kind === 'literal') return l.text
      const value = values[l.name]
      if (typeof value !== 'string') throw bad(`${pattern}: parameter "${l.name}" must be a string, got ${JSON.stringify(value)}`)
      // A value that carried '/' or a wildcard would build a topic this pattern does not match.
      if (/[+#\u0000]/.test(value) || (l.kind === 'one' && value.includes('/'))) {
        throw bad(`${pattern}: parameter "${l.name}" = ${JSON.stringify(value)} may not contain ${l.kind === 'one' ? "'/', " : ''}'+', '#' or NUL`)
      }
      return value
    })
    // An empty multi-level value means the parent level itself, which '#' also matches.
    if (out.length > 1 && levels.at(-1)?.kind === 'rest' && out.at(-1) === '') out.pop()
    return out.join('/')
  }

  const match = (topicName: string): Params | null => {
    // Wildcards never match a $-topic from the first level [MQTT-4.7.2-1].
    if (topicName.startsWith('$') && levels[0]?.kind !== 'literal') return null
    const parts = topicName.split('/')
    const out: Record<string, string> = {}
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i] as Level
      if (l.kind === 'rest') {
        out[l.name] = parts.slice(i).join('/')
        return out as Params
      }
      const part = parts[i]
      if (part === undefined) return null
      if (l.kind === 'literal' && part !== l.text) return null
      if (l.kind === 'one') out[l.name] = part
    }
    return parts.length === levels.length ? out as Params : null
  }

  return Object.freeze({ pattern, filter, build, match })
}

export function isTopicPattern (value: unknown): value is TopicPattern {
  return typeof value === 'object' && value !== null && typeof (value as TopicPattern).match === 'function' && typeof (value as TopicPattern).filter === 'string'
}

function parsePattern (pattern: string): Level[] {
  if (pattern.length === 0) throw bad('a topic pattern may not be empty')
  const names = new Set<string>()
  const parts = pattern.split('/')
  return parts.map((part, i) => {
    if (part === '+' || part === '#' || /[+#]/.test(part)) {
      throw bad(`${pattern}: use :name instead of MQTT wildcards in a pattern (level ${i + 1} is ${JSON.stringify(part)})`)
    }
    if (!part.startsWith(':')) return { kind: 'literal', text: part }
    const rest = part.endsWith('*')
    const name = part.slice(1, rest ? -1 : undefined)
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw bad(`${pattern}: parameter name ${JSON.stringify(name)} is not an identifier`)
    if (names.has(name)) throw bad(`${pattern}: parameter "${name}" appears twice`)
    names.add(name)
    if (rest && i !== parts.length - 1) throw bad(`${pattern}: a multi-level parameter (:${name}*) must be the last level, as '#' must be [MQTT-4.7.1-2]`)
    return { kind: rest ? 'rest' : 'one', name }
  })
}

function bad (message: string): MqttClientError {
  return new MqttClientError(ClientErrorCodes.BAD_TOPIC, message)
}
