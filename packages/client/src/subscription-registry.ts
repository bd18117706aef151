import type { IClientSubscribeOptions, ISubscriptionGrant, MqttClient } from 'mqtt'
import { ClientErrorCodes, MqttClientError, describeReasonCode, wrapCallError } from './errors.js'
import type { Message } from './message.js'
import type { Subscription } from './subscription.js'

interface FilterEntry {
  /** Open subscriptions using this filter: UNSUBSCRIBE only when the last one closes. */
  count: number
  /** The latest SUBSCRIBE options for it, to subscribe again after a reconnect. */
  options: IClientSubscribeOptions
  /** Granted once; filters still waiting for their first grant are not re-subscribed. */
  granted: boolean
}

/** A client's open subscriptions and the filters they hold at the broker. */
export class SubscriptionRegistry {
  readonly #subs = new Set<Subscription<any, any>>()
  readonly #filters = new Map<string, FilterEntry>()

  add (sub: Subscription<any, any>, options: IClientSubscribeOptions): void {
    this.#subs.add(sub)
    for (const f of sub.filters) {
      const entry = this.#filters.get(f)
      this.#filters.set(f, { count: (entry?.count ?? 0) + 1, options, granted: entry?.granted ?? false })
    }
  }

  markGranted (filters: string[]): void {
    for (const f of filters) {
      const entry = this.#filters.get(f)
      if (entry) entry.granted = true
    }
  }

  /** Forget `sub`; returns the filters no open subscription uses any more. */
  remove (sub: Subscription<any, any>): string[] {
    if (!this.#subs.delete(sub)) return []
    const unused: string[] = []
    for (const f of sub.filters) {
      const entry = this.#filters.get(f)
      if (entry && --entry.count <= 0) {
        this.#filters.delete(f)
        unused.push(f)
      }
    }
    return unused
  }

  offer (message: Message): void {
    for (const sub of this.#subs) sub.offer(message)
  }

  /**
   * After a reconnect without a session, SUBSCRIBE again to every granted
   * filter; a subscription whose filter is now refused ends with that error.
   */
  async resubscribe (raw: MqttClient): Promise<void> {
    const again = [...this.#filters].filter(([, e]) => e.granted)
    await Promise.all(again.map(async ([filter, e]) => {
      try {
        await subscribeChecked(raw, [filter], e.options)
      } catch (err) {
        for (const sub of this.#subs) if (sub.filters.includes(filter)) sub.fail(err as Error)
      }
    }))
  }

  /** The client is gone: end every subscription, with `error` or normally. */
  closeAll (error?: Error): void {
    const subs = [...this.#subs]
    this.#subs.clear()
    this.#filters.clear()
    for (const sub of subs) {
      if (error) sub.fail(error)
      else sub.finish()
    }
  }
}

/** SUBSCRIBE, and turn a refusal (a SUBACK reason code >= 0x80 [MQTT-3.9.3]) into an error. */
export async function subscribeChecked (raw: MqttClient, filters: string[], options: IClientSubscribeOptions): Promise<ISubscriptionGrant[]> {
  let granted: ISubscriptionGrant[]
  try {
    granted = await raw.subscribeAsync(filters, options)
  } catch (err) {
    throw wrapCallError(err, `subscribe to ${filters.join(', ')}`, ClientErrorCodes.SUBSCRIBE_REFUSED)
  }
  const refused = granted.filter((g) => g.qos >= 0x80)
  if (refused.length > 0) {
    const first = refused[0] as ISubscriptionGrant
    throw new MqttClientError(ClientErrorCodes.SUBSCRIBE_REFUSED,
      `broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}: ${describeReasonCode(first.qos)}`,
      { reasonCode: first.qos })
  }
  return granted
}
