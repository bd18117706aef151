import AsyncMemoryPersistence from 'aedes-persistence/asyncPersistence.js'
import mqemitter from 'mqemitter'

export interface Backplane {
  kind: 'memory' | 'redis'
  /** aedes persistence: sessions, subscriptions, queues, retained, wills. */
  persistence: any
  /** aedes message emitter: routes publishes to subscribers. */
  mq: any
  close: () => Promise<void>
}

/** Single node: everything in this process, nothing survives a restart. */
export function createMemoryBackplane (concurrency = 100): Backplane {
  const persistence = new AsyncMemoryPersistence()
  // [MQTT-4.7.1-3] `a/+` must match `a/` (empty level), as aedes' own default does.
  const mq = mqemitter({ concurrency, matchEmptyLevels: true })
  return {
    kind: 'memory',
    persistence,
    mq,
    close: async () => {}
  }
}
