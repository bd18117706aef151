import { Readable } from 'node:stream'

/**
 * aedes 2.0.0-beta.1 with aedes-persistence-redis 12.0.0: retained messages on SUBSCRIBE.
 *
 * aedes pipes the result of `persistence.createRetainedStreamCombi(topics)`
 * into its sender (`stream.pipe(...)`). The in-memory persistence returns a
 * Readable; aedes-persistence-redis 12's async persistence returns an async
 * generator, which has no `pipe`, so the first SUBSCRIBE that matches a
 * retained message throws inside a timer and takes the process down. Retained
 * messages MUST be sent on subscribe [MQTT-3.3.1-6] (Retain Handling 0/1).
 * siar turns whatever iterable the persistence returns into a Readable; a
 * Readable passes through untouched (one `typeof` per SUBSCRIBE).
 */
export function retainedAsReadable (persistence: any): void {
  const createCombi = persistence.createRetainedStreamCombi
  if (typeof createCombi !== 'function') return
  persistence.createRetainedStreamCombi = function siarRetainedStreamCombi (patterns: string[]) {
    const result = createCombi.call(this, patterns)
    return typeof result?.pipe === 'function' ? result : Readable.from(result)
  }
}
