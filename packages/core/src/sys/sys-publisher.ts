import type { Logger } from '../logger.js'
import { createSysTree, SYS_PREFIX, type SysSnapshot } from './sys-topics.js'

export interface SysPublisherOptions {
  /** Seconds between updates; 0 turns $SYS off. */
  intervalSeconds: number
  aedes: any
  snapshot: () => Promise<SysSnapshot>
  logger: Logger
}

export interface SysPublisher {
  /** Publish one round now (also runs every interval). */
  tick: () => Promise<void>
  stop: () => void
}

/**
 * Publishes the $SYS tree every `intervalSeconds`, retained so a new subscriber
 * sees it at once. It goes through aedes.publish like any message, so
 * subscriptions, authorizeSubscribe/authorizeForward (ACLs) and the `$`-topic
 * rules apply ([MQTT-4.7.2-1]: `#` alone does not match $SYS). Like Mosquitto,
 * a value is only republished when it changed; uptime changes every tick.
 */
export function startSysPublisher (opts: SysPublisherOptions): SysPublisher {
  const tree = createSysTree()
  const last = new Map<string, string>()
  let stopped = false
  let running: Promise<void> | undefined

  async function publishRound (): Promise<void> {
    const values = tree.render(await opts.snapshot(), Date.now())
    const sends: Array<Promise<void>> = []
    for (const [key, value] of values) {
      if (stopped) return
      if (last.get(key) === value) continue
      last.set(key, value)
      sends.push(new Promise((resolve) => {
        opts.aedes.publish({ cmd: 'publish', topic: SYS_PREFIX + key, payload: Buffer.from(value), qos: 0, retain: true, dup: false }, (err?: Error) => {
          if (err && !stopped) opts.logger.debug({ err, topic: SYS_PREFIX + key }, '$SYS publish failed')
          resolve()
        })
      }))
    }
    await Promise.all(sends)
  }

  // One round at a time: a slow store walk must not stack up rounds.
  const tick = async (): Promise<void> => {
    if (stopped || running) return await running
    running = publishRound().catch((err: unknown) => {
      opts.logger.warn({ err }, 'could not publish the $SYS tree')
    }).finally(() => { running = undefined })
    await running
  }

  const timer = opts.intervalSeconds > 0 ? setInterval(() => { void tick() }, opts.intervalSeconds * 1000) : undefined
  timer?.unref()
  if (timer) void tick()

  return {
    tick,
    stop: () => {
      stopped = true
      if (timer) clearInterval(timer)
    }
  }
}
