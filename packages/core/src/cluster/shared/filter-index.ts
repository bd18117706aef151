import Qlobber from 'qlobber'
import type { ShareKey } from './share-filter.js'

/** Which shared subscriptions (cluster-wide) a topic matches. */
export class ShareFilterIndex {
  #matcher = newMatcher()
  #keys = new Map<string, ShareKey>()

  replaceAll (shares: ShareKey[]): void {
    this.#matcher = newMatcher()
    this.#keys = new Map()
    for (const share of shares) this.add(share)
  }

  add (share: ShareKey): void {
    if (this.#keys.has(share.key)) return
    this.#keys.set(share.key, share)
    this.#matcher.add(share.filter, share.key)
  }

  get size (): number {
    return this.#keys.size
  }

  /** Keys of the shared subscriptions `topic` goes to. `$` topics only match `$` filters [MQTT-4.7.2-1]. */
  match (topic: string): string[] {
    if (this.#keys.size === 0) return []
    const keys = this.#matcher.match(topic) as string[]
    if (topic.startsWith('$')) return keys.filter((k) => !/^[+#]/.test(this.#keys.get(k)?.filter ?? '+'))
    return keys
  }
}

function newMatcher (): any {
  const Ctor = (Qlobber as any).Qlobber ?? Qlobber
  return new Ctor({ separator: '/', wildcard_one: '+', wildcard_some: '#', match_empty_levels: true })
}
