import { EventEmitter } from 'node:events'
import AsyncMemoryPersistence from 'aedes-persistence/asyncPersistence.js'
import mqemitter from 'mqemitter'
import type { Backplane, BackplaneEvents } from './types.js'

export type { Backplane } from './types.js'

/** Single node: everything in this process, nothing survives a restart. */
export function createMemoryBackplane (concurrency = 100): Backplane {
  const persistence = new AsyncMemoryPersistence()
  // [MQTT-4.7.1-3] `a/+` must match `a/` (empty level), as aedes' own default does.
  const mq = mqemitter({ concurrency, matchEmptyLevels: true })
  return {
    kind: 'memory',
    persistence,
    mq,
    status: () => ({ ok: true }),
    events: new EventEmitter<BackplaneEvents>(),
    close: async () => {}
  }
}
