import type { Aedes, Client } from 'aedes'
import type { Logger } from '../logger.js'
import type { ResolvedBrokerOptions } from '../options.js'
import { createClientLimits } from '../limits/client-limits.js'
import { createConnectionGate, type ConnectionGate } from '../limits/connection-gate.js'
import type { LimitName } from '../limits/limit-names.js'
import { createAccessControl, type AccessControl, type AuthFailureReason, type ReloadResult } from './access-control.js'
import { createAuthHooks, trackPubrel, trackUnsubscribes, type AccessAction, type AuthHooks } from './aedes-hooks.js'
import { watchFiles, type FileWatch } from './file-watch.js'

export interface SecurityEvents {
  authFailed: (reason: AuthFailureReason) => void
  accessDenied: (action: AccessAction) => void
  limitHit: (limit: LimitName) => void
  /** Called after the files changed on disk and were re-read (or failed to be). */
  filesChanged: (result: ReloadResult) => void
}

export interface Security {
  readonly hooks: AuthHooks
  readonly access: AccessControl
  readonly gate: ConnectionGate
  /** True when something other than the anonymous policy decides who gets in. */
  readonly authConfigured: boolean
  /** Read the password and ACL files; throws a SiarError when one is bad. */
  load: () => Promise<void>
  /** Wire the hooks that need the aedes instance. */
  attach: (aedes: Aedes) => void
  /**
   * Admit or refuse a new connection (connection limits). Refused ones are
   * destroyed here; admitted ones release their slot when they close.
   */
  admit: (conn: { destroy: () => void, once: (event: 'close', fn: () => void) => unknown }, remoteAddress: string | undefined) => boolean
  /** Called with each new aedes client, before it has parsed anything. */
  track: (client: Client) => void
  reloadFiles: () => Promise<ReloadResult>
  close: () => void
}

/** Authentication, ACL and limits, composed from options for the broker. */
export function createSecurity (options: ResolvedBrokerOptions, logger: Logger, on: SecurityEvents): Security {
  const { auth, tls, limits: l } = options
  const access = createAccessControl({
    passwordFile: auth.passwordFile,
    aclFile: auth.aclFile,
    allowAnonymous: options.allowAnonymous,
    certCnAsUsername: tls.certCnAsUsername,
    logger
  })
  const limits = createClientLimits({
    maxTopicLength: l.maxTopicLength,
    maxSubscriptionsPerClient: l.maxSubscriptionsPerClient,
    publishRatePerClient: l.publishRatePerClient,
    maxInflight: l.receiveMaximum,
    onLimitHit: on.limitHit
  })
  const gate = createConnectionGate({
    maxConnections: l.maxConnections,
    maxConnectionsPerIp: l.maxConnectionsPerIp,
    connectionRatePerIp: l.connectionRatePerIp,
    onLimitHit: on.limitHit
  })
  const hooks = createAuthHooks({ access, limits, onAuthFailure: on.authFailed, onAccessDenied: on.accessDenied })
  let watch: FileWatch | undefined

  const files = [auth.passwordFile, auth.aclFile].filter((f): f is string => f !== undefined)

  return {
    hooks,
    access,
    gate,
    authConfigured: auth.passwordFile !== undefined || (tls.cert !== undefined && tls.requireClientCert),
    load: async () => {
      await access.load()
      if (auth.watchFiles && files.length > 0) {
        watch = watchFiles(files, () => {
          logger.info({ files }, 'auth file changed on disk; reloading')
          void access.reload().then(on.filesChanged)
        }, { onError: (err) => logger.warn({ err }, 'cannot watch auth files for changes; reload with SIGHUP instead') })
      }
    },
    attach: (aedes) => trackUnsubscribes(aedes, limits),
    admit: (conn, remoteAddress) => {
      const release = gate.admit(remoteAddress)
      if (!release) {
        conn.destroy()
        return false
      }
      conn.once('close', release)
      return true
    },
    track: (client) => trackPubrel(client, limits),
    reloadFiles: () => access.reload(),
    close: () => {
      watch?.close()
      gate.close()
    }
  }
}
