import type { Logger } from '../logger.js'
import type { BridgeLease } from './lease.js'
import type { OutboundBuffer, OutboundMessage } from './outbound-buffer.js'
import type { RemoteSession } from './remote-link.js'

/** Messages in flight to the remote at once (each batch waits for all its PUBACKs). */
export const BRIDGE_SEND_WINDOW = 32
/** Idle re-check of the buffer: cluster peers append without telling us directly (milliseconds). */
export const BRIDGE_IDLE_POLL_MS = 200

/** Wake-up for the send loop: `wait` returns on `notify` or after the timeout. */
export interface Signal {
  notify: () => void
  wait: (timeoutMs: number) => Promise<void>
}

export function createSignal (): Signal {
  let wake: (() => void) | undefined
  let pending = false
  return {
    notify: () => {
      if (wake) wake()
      else pending = true
    },
    wait: async (timeoutMs) => {
      if (pending) {
        pending = false
        return
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, timeoutMs)
        function done (): void { clearTimeout(t); wake = undefined; resolve() }
        wake = done
      })
    }
  }
}

export interface SenderDeps {
  buffer: OutboundBuffer
  lease: BridgeLease
  session: () => RemoteSession | undefined
  signal: Signal
  log: Logger
  /** `sent` reached the remote (PUBACK, or written for QoS 0); `refused` were answered with an error reason code. */
  onSent: (sent: number, refused: number) => void
}

type Outcome = 'ok' | 'refused' | 'failed'

/**
 * The owner's send loop: oldest buffered messages first, a window at a time;
 * the window leaves the buffer only once every message in it was acknowledged
 * and only while this node still holds the lease (fenced in Redis). A
 * connection that drops mid-window leaves the window in the buffer, to be sent
 * again (QoS 1: at least once, in order).
 */
export function runSender (deps: SenderDeps, running: () => boolean): Promise<void> {
  const { buffer, lease, signal, log } = deps
  let qosCapLogged = false

  function publish (session: RemoteSession, m: OutboundMessage): Promise<Outcome> {
    const qos = Math.min(m.qos, session.maxQos) as 0 | 1 | 2
    if (qos < m.qos && !qosCapLogged) {
      qosCapLogged = true
      log.info({ maxQos: session.maxQos }, `bridge: the remote takes QoS ${session.maxQos} at most; higher QoS is sent as QoS ${session.maxQos} (logged once)`)
    }
    const retain = m.retain && session.retainAvailable
    // Clearing a retained message means nothing to a remote without retained
    // messages; sent as a plain message it would be an empty one to subscribers.
    if (m.retain && !retain && m.payload.length === 0) return Promise.resolve('ok')
    return new Promise((resolve) => {
      session.client.publish(m.topic, m.payload, { qos, retain, ...(m.properties ? { properties: m.properties } : {}) }, (err) => {
        if (!err) resolve('ok')
        else resolve(typeof (err as { code?: unknown }).code === 'number' ? 'refused' : 'failed')
      })
    })
  }

  async function step (): Promise<void> {
    const session = deps.session()
    if (!session || !lease.valid()) return await signal.wait(BRIDGE_IDLE_POLL_MS)
    const batch = await buffer.peek(BRIDGE_SEND_WINDOW)
    if (batch.length === 0) return await signal.wait(BRIDGE_IDLE_POLL_MS)
    const inFlight: Array<Promise<Outcome>> = []
    for (const m of batch) {
      // Fencing on our side: a node whose lease deadline passed (paused, cut
      // off from Redis) stops before the next remote publish.
      if (!lease.valid()) break
      inFlight.push(publish(session, m))
    }
    const outcome = await Promise.race([Promise.all(inFlight), session.closed.then(() => undefined)])
    if (!outcome || outcome.length < batch.length || outcome.includes('failed')) {
      // Sent again on the next connection (or by the next owner).
      if (outcome?.includes('failed')) await signal.wait(BRIDGE_IDLE_POLL_MS)
      return
    }
    if (!await buffer.remove(batch.length, lease.fence)) return
    const refused = outcome.filter((o) => o === 'refused').length
    deps.onSent(batch.length - refused, refused)
  }

  return (async () => {
    while (running()) {
      try {
        await step()
      } catch (err) {
        log.debug({ err: (err as Error).message }, 'bridge: buffer not readable (Redis unreachable?)')
        await signal.wait(BRIDGE_IDLE_POLL_MS * 5)
      }
    }
  })()
}
