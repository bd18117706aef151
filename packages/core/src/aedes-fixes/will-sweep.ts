import type { Aedes } from 'aedes'

/**
 * aedes publishes the wills of brokers it thinks are dead from a timer every
 * 4 x heartbeatInterval on *every* node, with no coordination: in a cluster a
 * will fires once per surviving node, minutes late. siar's cluster runs its
 * own sweep (cluster/will-sweeper.ts: liveness keys + a Redis lock per will),
 * so aedes' timer is stopped here. `_clearWillInterval` is the handle aedes
 * 2.0.0-beta.1 keeps for it (aedes.js, listen()); the canary test in
 * test/aedes-fixes/will-sweep.test.ts fails if it is renamed.
 */
export function stopAedesWillSweep (aedes: Aedes): boolean {
  const handle = (aedes as unknown as { _clearWillInterval?: NodeJS.Timeout })._clearWillInterval
  if (!handle) return false
  clearInterval(handle)
  return true
}
