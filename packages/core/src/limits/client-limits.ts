import type { Client } from 'aedes'
import { createTokenBucket, type TokenBucket } from './token-bucket.js'
import type { LimitName } from './limit-names.js'

export interface ClientLimitsOptions {
  maxTopicLength: number
  /** 0 = no limit. */
  maxSubscriptionsPerClient: number
  /** PUBLISH packets per second; 0 = no limit. */
  publishRatePerClient: number
  /** Incoming QoS 2 messages waiting for PUBREL (MQTT 5 Receive Maximum). */
  maxInflight: number
  onLimitHit: (limit: LimitName) => void
}

/** What a limit check decided; `ok` or the limit that was hit. */
export type LimitVerdict = 'ok' | LimitName

export interface ClientLimits {
  checkPublish: (client: Client, topic: string) => LimitVerdict
  checkSubscribe: (client: Client, filter: string) => LimitVerdict
  /** Forget filters the client dropped, so they stop counting. */
  unsubscribed: (client: Client, filters: readonly string[]) => void
  /**
   * Count an accepted incoming QoS 2 PUBLISH until its PUBREL. Without this a
   * client could park up to 65,535 unreleased messages of maximum size in
   * the broker's incoming store.
   */
  checkInflight: (client: Client, messageId: number | undefined) => LimitVerdict
  released: (client: Client, messageId: number | undefined) => void
}

/**
 * Per-client limits that aedes does not have: topic length, subscriptions
 * held and publish rate. State hangs off the client object (WeakMap), so it
 * goes away with the connection.
 */
export function createClientLimits (opts: ClientLimitsOptions): ClientLimits {
  const rates = new WeakMap<Client, TokenBucket>()
  const subs = new WeakMap<Client, Set<string>>()
  const inflight = new WeakMap<Client, Set<number>>()

  function tooLong (topic: string): boolean {
    // [MQTT-1.5.4] lengths are UTF-8 bytes; a JS string is at most 3 bytes per unit.
    return topic.length * 3 > opts.maxTopicLength && Buffer.byteLength(topic) > opts.maxTopicLength
  }

  function hit (limit: LimitName): LimitVerdict {
    opts.onLimitHit(limit)
    return limit
  }

  return {
    checkPublish: (client, topic) => {
      if (tooLong(topic)) return hit('max_topic_length')
      if (opts.publishRatePerClient > 0) {
        let bucket = rates.get(client)
        if (!bucket) {
          bucket = createTokenBucket(opts.publishRatePerClient)
          rates.set(client, bucket)
        }
        if (!bucket.take()) return hit('publish_rate')
      }
      return 'ok'
    },
    checkSubscribe: (client, filter) => {
      if (tooLong(filter)) return hit('max_topic_length')
      if (opts.maxSubscriptionsPerClient > 0) {
        let held = subs.get(client)
        if (!held) {
          held = new Set()
          subs.set(client, held)
        }
        // Re-subscribing to a held filter replaces it and does not count twice.
        if (!held.has(filter) && held.size >= opts.maxSubscriptionsPerClient) return hit('max_subscriptions')
        held.add(filter)
      }
      return 'ok'
    },
    unsubscribed: (client, filters) => {
      const held = subs.get(client)
      if (held) for (const f of filters) held.delete(f)
    },
    checkInflight: (client, messageId) => {
      if (messageId === undefined) return 'ok'
      let pending = inflight.get(client)
      if (!pending) {
        pending = new Set()
        inflight.set(client, pending)
      }
      // A resend (DUP) of a message already waiting is not a new one.
      if (pending.has(messageId)) return 'ok'
      if (pending.size >= opts.maxInflight) return hit('max_inflight')
      pending.add(messageId)
      return 'ok'
    },
    released: (client, messageId) => {
      if (messageId !== undefined) inflight.get(client)?.delete(messageId)
    }
  }
}
