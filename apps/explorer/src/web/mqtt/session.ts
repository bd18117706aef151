import { connect, type Message, type SiarClient, type Subscription } from '@siar/client'
import type { ConnectionProfile } from '../model/profiles.js'
import type { ExplorerStore } from '../model/store.js'

export interface PublishInput {
  topic: string
  payload: string | Uint8Array
  qos: 0 | 1 | 2
  retain: boolean
  properties?: Record<string, unknown>
}

/** A live connection feeding the store. */
export interface Session {
  client: SiarClient
  profile: ConnectionProfile
  publish: (input: PublishInput) => Promise<void>
  close: () => Promise<void>
}

export async function openSession (profile: ConnectionProfile, store: ExplorerStore): Promise<Session> {
  store.setConnection('connecting', profile.url)
  let client: SiarClient
  try {
    client = await connect(profile.url, {
      clientId: profile.clientId,
      username: profile.username || undefined,
      password: profile.password || undefined,
      protocolVersion: profile.protocolVersion
      // Reconnect: the SDK's default (backoff with jitter, subscriptions restored).
    })
  } catch (err) {
    store.setConnection('error', (err as Error).message)
    throw err
  }
  const stop = client.onMessage((m: Message) => {
    const msg = {
      topic: m.topic,
      // A copy: mqtt.js may hand out a view into a larger network buffer, which
      // history would otherwise keep alive for as long as the message.
      payload: new Uint8Array(m.payload),
      qos: m.qos,
      retain: m.retain,
      dup: m.dup,
      receivedAt: Date.now()
    }
    store.ingest(m.properties ? { ...msg, properties: m.properties as Record<string, unknown> } : msg)
  })

  // Each filter on its own: a broker (or its ACL) may refuse one, such as `#`
  // or `$SYS/#`, and the rest are still worth showing.
  const refused: string[] = []
  for (const s of profile.subscriptions) {
    // Retain As Published (v5): we then see which live messages were retained,
    // which the retained marker and "delete retained" rely on.
    // bufferSize 1: we read messages through onMessage, not by iterating.
    const sub: Subscription = client.subscribe(s.filter, profile.protocolVersion === 5
      ? { qos: s.qos, retainAsPublished: true, bufferSize: 1 }
      : { qos: s.qos, bufferSize: 1 })
    try {
      await sub.ready
    } catch (err) {
      refused.push(`${s.filter} (${(err as Error).message})`)
    }
  }
  if (refused.length === profile.subscriptions.length) {
    stop()
    await client.end(true).catch(() => {})
    const message = `the broker refused every subscription: ${refused.join('; ')}`
    store.setConnection('error', message)
    throw new Error(message)
  }
  const warning = refused.length > 0 ? `The broker refused: ${refused.join('; ')}` : undefined
  store.setConnection('connected', profile.url, warning)
  client.on('offline', ({ error }) => store.setConnection('reconnecting', `connection lost${error ? ` (${error.message})` : ''}; reconnecting`))
  client.on('reconnecting', ({ attempt, delayMs }) => store.setConnection('reconnecting', `reconnect attempt ${attempt} in ${Math.round(delayMs / 100) / 10} s`))
  client.on('reconnect', () => store.setConnection('connected', profile.url, warning))
  client.on('close', ({ error }) => { if (error) store.setConnection('error', error.message) })

  return {
    client,
    profile,
    publish: async (input) => {
      await client.publish(input.topic, input.payload, {
        qos: input.qos,
        retain: input.retain,
        ...(input.properties ? { properties: toBuffers(input.properties) } : {})
      })
    },
    close: async () => {
      stop()
      await client.end().catch(() => {})
      store.setConnection('closed', '')
    }
  }
}

/** mqtt-packet writes binary properties (correlation data) only from Buffers. */
function toBuffers (props: Record<string, unknown>): Record<string, unknown> {
  const B = (globalThis as unknown as { Buffer: { from: (u: Uint8Array) => Uint8Array } }).Buffer
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v instanceof Uint8Array ? B.from(v) : v]))
}
