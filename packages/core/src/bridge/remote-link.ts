import { EventEmitter } from 'node:events'
import mqtt, { DefaultMessageIdProvider, type IPublishPacket, type MqttClient } from 'mqtt'
import type { Logger } from '../logger.js'
import type { BridgeOptions } from '../options.js'
import { describeRemote, remoteClientOptions } from './remote-options.js'

/** One live connection to the remote, from CONNACK to close. */
export interface RemoteSession {
  readonly client: MqttClient
  /** The lower of `maxQos` and the remote's CONNACK Maximum QoS (MQTT 5). */
  readonly maxQos: 0 | 1 | 2
  /** `retainAvailable` and the remote's CONNACK Retain Available (MQTT 5). */
  readonly retainAvailable: boolean
  /** Resolves when this connection is gone. */
  readonly closed: Promise<void>
}

export interface RemoteLinkEvents {
  up: [session: RemoteSession]
  down: [info: { error?: string }]
}

export interface RemoteLink {
  readonly events: EventEmitter<RemoteLinkEvents>
  session: () => RemoteSession | undefined
  lastError: () => string | undefined
  stop: () => Promise<void>
}

/**
 * Keep one connection to the remote while started: a fresh mqtt.js client per
 * attempt (no retransmission state of a dead connection leaks into the next:
 * the outbound buffer is what gets resent), reconnecting with exponential
 * backoff and jitter between reconnectMinMs and reconnectMaxMs.
 * `onMessage(packet, ack)`: the remote gets its PUBACK when `ack` is called.
 */
export function startRemoteLink (b: BridgeOptions, deps: {
  log: Logger
  onMessage: (packet: IPublishPacket, ack: (err?: Error) => void) => void
}): RemoteLink {
  const { log } = deps
  const events = new EventEmitter<RemoteLinkEvents>()
  const remote = describeRemote(b.url)
  // Shared across attempts so a resumed session never sees a packet id reused at once.
  const messageIdProvider = new DefaultMessageIdProvider()
  let current: RemoteSession | undefined
  let client: MqttClient | undefined
  let attempt = 0
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let lastError: string | undefined
  let warned = false

  function connect (): void {
    if (stopped) return
    let options
    try {
      options = remoteClientOptions(b)
    } catch (err) {
      lastError = (err as Error).message
      log.error({ err }, 'bridge: cannot prepare the connection')
      schedule()
      return
    }
    const c = mqtt.connect(b.url, { ...options, messageIdProvider, manualConnect: true })
    if (b.tryPrivate && b.protocolVersion !== 5) announceBridge(c)
    client = c
    let resolveClosed: () => void = () => {}
    const closed = new Promise<void>((resolve) => { resolveClosed = resolve })
    c.handleMessage = (packet, done) => deps.onMessage(packet as IPublishPacket, (err) => done(err as any))
    c.on('connect', (connack) => {
      attempt = 0
      lastError = undefined
      warned = false
      const props = connack.properties
      const maxQos = Math.min(b.maxQos, props?.maximumQoS ?? 2) as 0 | 1 | 2
      const retainAvailable = b.retainAvailable && props?.retainAvailable !== false
      current = { client: c, maxQos, retainAvailable, closed }
      log.info({ remote, sessionPresent: connack.sessionPresent, maxQos, retainAvailable }, 'bridge connected')
      events.emit('up', current)
    })
    c.on('error', (err) => { lastError = err.message })
    c.on('close', () => {
      resolveClosed()
      if (client !== c) return
      client = undefined
      c.removeAllListeners('connect')
      c.end(true)
      const wasUp = current?.client === c
      current = undefined
      // TLS 1.3 reports a refused client certificate as a plain close, after the handshake.
      if (!wasUp && lastError === undefined) lastError = 'connection closed before CONNACK (refused? check the credentials and the client certificate)'
      if (wasUp || !warned) {
        // One line per outage, not per failed attempt.
        log.warn({ remote, reason: lastError }, wasUp ? 'bridge disconnected; reconnecting with backoff' : 'bridge cannot reach the remote; retrying with backoff')
        warned = true
      }
      events.emit('down', { error: lastError })
      schedule()
    })
    c.connect()
  }

  function schedule (): void {
    if (stopped) return
    const ceiling = Math.min(b.reconnectMaxMs, b.reconnectMinMs * 2 ** Math.min(attempt, 16))
    attempt++
    // Jitter (50–100 %) so several siar clusters do not reconnect in step.
    const delay = Math.max(b.reconnectMinMs / 2, Math.round(ceiling * (0.5 + Math.random() / 2)))
    timer = setTimeout(connect, delay)
    timer.unref()
  }

  connect()

  return {
    events,
    session: () => current,
    lastError: () => lastError,
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      const c = client
      client = undefined
      current = undefined
      if (!c) return
      await new Promise<void>((resolve) => {
        // A polite DISCONNECT when connected, but never wait on a dead remote.
        const t = setTimeout(() => { c.end(true); resolve() }, 1_000)
        c.end(false, {}, () => { clearTimeout(t); resolve() })
      })
    }
  }
}

/**
 * Mosquitto's try_private: CONNECT with protocol level | 0x80 tells a
 * Mosquitto remote that this is a bridge, so it does not send the bridge's
 * own messages back to it (MQTT 3.x has no no-local). mqtt.js sets the bit
 * only from a `bridgeMode` field on the CONNECT packet itself, which it never
 * fills in: added here, on the one packet.
 */
function announceBridge (client: MqttClient): void {
  const internal = client as unknown as { _writePacket: (packet: any, cb?: unknown) => void }
  const write = internal._writePacket.bind(client)
  internal._writePacket = (packet, cb) => write(packet?.cmd === 'connect' ? { ...packet, bridgeMode: true } : packet, cb)
}
