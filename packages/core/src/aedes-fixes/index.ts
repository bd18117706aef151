import type { Aedes } from 'aedes'
import type { Logger } from '../logger.js'
import { attachOutboundState, installOutboundInterceptor, type DropReason } from './outbound-writes.js'
import { invalidateSubscriptionIndex, unifyOverlappingDeliveries } from './overlapping-subscriptions.js'
import { stripConnectOnlyWillProperties } from './will-properties.js'
import { awaitConnack } from './connack-first.js'
import { enqueueOncePerClient } from './queue-once-per-client.js'
import { fixRetainedOnSubscribe } from './retained-stream.js'
import { fixQueuedMessage, onClientReady, onConnackSent, prepareSessionResume } from './session-resume.js'

/**
 * The one place where siar reaches inside aedes 2.0.0-beta.1 to close MQTT 5
 * gaps users hit. Each fix lives in its own file in this folder, says which
 * spec statement it restores, and has a test in test/aedes-fixes/ that fails
 * once upstream behaves on its own (so we know when to delete the fix).
 *
 * Everything is attached through aedes' public surface: the preConnect and
 * authorizeForward hooks (wrapped, so whatever broker.ts configured still
 * runs), broker events, and per-client functions reachable from preConnect.
 * The one exception is outbound PUBLISH writes (outbound-writes.ts).
 */
export type { DropReason } from './outbound-writes.js'

export interface AedesFixContext {
  logger: Logger
  /** A message for one client was discarded (counted by metrics). */
  onMessageDropped?: (info: { reason: DropReason, clientId: string }) => void
  /** Cap on messages held for one online client beyond its Receive Maximum; default 1000. */
  maxQueuedMessages?: number
}

const DEFAULT_MAX_HELD_MESSAGES = 1000

const INSTALLED = Symbol.for('siar.aedes-fixes.installed')

export function installAedesFixes (aedes: Aedes, ctx: AedesFixContext): void {
  const broker = aedes as any
  if (broker[INSTALLED] === true) return
  broker[INSTALLED] = true
  installOutboundInterceptor()

  const onDrop = (reason: DropReason, clientId: string): void => {
    ctx.logger.debug({ clientId, reason }, 'message dropped for this client')
    ctx.onMessageDropped?.({ reason, clientId })
  }

  // preConnect runs before aedes reads the CONNECT and before it restores any
  // subscription, so per-client wrappers set here are the ones aedes captures.
  const preConnect = broker.preConnect
  broker.preConnect = function siarPreConnect (client: any, packet: any, done: (err: Error | null, ok: boolean) => void) {
    try {
      awaitConnack(client)
      prepareSessionResume(client, packet)
      unifyOverlappingDeliveries(client)
      attachOutboundState(client, packet, { onDrop, maxHeldMessages: ctx.maxQueuedMessages ?? DEFAULT_MAX_HELD_MESSAGES })
    } catch (err) {
      ctx.logger.error({ err, clientId: packet.clientId }, 'could not prepare the connection; refusing it')
      done(err as Error, false)
      return
    }
    preConnect.call(this, client, packet, done)
  }

  const authorizeForward = broker.authorizeForward
  broker.authorizeForward = function siarAuthorizeForward (client: any, packet: any) {
    const forwarded = authorizeForward.call(this, client, packet)
    if (forwarded) fixQueuedMessage(client, packet)
    return forwarded
  }

  stripConnectOnlyWillProperties(broker)
  enqueueOncePerClient(broker.persistence)
  fixRetainedOnSubscribe(broker.persistence)

  aedes.on('connackSent', (_connack, client) => onConnackSent(client))
  aedes.on('clientReady', (client) => {
    onClientReady(client)
    invalidateSubscriptionIndex(client)
  })
  aedes.on('subscribe', (_subs, client) => invalidateSubscriptionIndex(client))
  aedes.on('unsubscribe', (_unsubs, client) => invalidateSubscriptionIndex(client))
}
