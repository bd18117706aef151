import type { Aedes } from 'aedes'
import type { Logger } from '../logger.js'

/**
 * The one place where siar reaches inside aedes 2.0.0-beta.1 to close MQTT 5
 * gaps users hit. Each fix lives in its own file in this folder, says which
 * spec statement it restores, and has a test in test/aedes-fixes/ that fails
 * once upstream behaves on its own (so we know when to delete the fix).
 */
export interface AedesFixContext {
  logger: Logger
}

export function installAedesFixes (_aedes: Aedes, _ctx: AedesFixContext): void {
  // Fixes are added here one by one; cleanIncomingOnCleanStart runs from preConnect.
}
