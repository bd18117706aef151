import type { Client } from 'aedes'
import type { Logger } from '../logger.js'
import { remoteAddressOf } from '../client-info.js'
import { isLoopbackAddress } from './anonymous-policy.js'
import { compileClientAcl, type ClientAcl } from './acl.js'
import { loadAclFile, type AclTable } from './acl-file.js'
import { certIdentityOf } from './cert-identity.js'
import { hashPassword, verifyPassword } from './password-hash.js'
import { loadPasswordFile, type PasswordTable } from './password-file.js'

export interface AccessControlOptions {
  passwordFile?: string | undefined
  aclFile?: string | undefined
  allowAnonymous: boolean
  certCnAsUsername: boolean
  logger: Logger
}

export type AuthFailureReason = 'bad_credentials' | 'anonymous_refused'

export type AuthResult =
  | { ok: true, username: string | undefined }
  | { ok: false, returnCode: 4 | 5, reason: AuthFailureReason }

export interface ReloadResult { ok: boolean, errors: string[] }

export interface AccessControl {
  /** Read the files for the first time; throws a SiarError when one is bad. */
  load: () => Promise<void>
  /** Re-read the files; a bad file is reported and the previous one kept. */
  reload: () => Promise<ReloadResult>
  readonly passwordsConfigured: boolean
  readonly aclConfigured: boolean
  authenticate: (client: Client, username: string | undefined, password: Buffer | undefined) => Promise<AuthResult>
  canPublish: (client: Client | null, topic: string) => boolean
  canSubscribe: (client: Client, filter: string) => boolean
  canRead: (client: Client, topic: string) => boolean
}

interface Identity { username: string | undefined, acl?: ClientAcl, aclVersion: number }

/**
 * Authentication (password file, client-certificate CN, the anonymous policy)
 * and authorization (ACL file) for the broker. Keeps the identity each client
 * authenticated with, so ACL decisions use it for the whole connection; a
 * reload takes effect for connected clients on their next packet.
 */
export function createAccessControl (opts: AccessControlOptions): AccessControl {
  const log = opts.logger
  let passwords: PasswordTable | undefined
  let acl: AclTable | undefined
  let aclVersion = 0
  const identities = new WeakMap<Client, Identity>()
  let dummyHash: Promise<string> | undefined

  async function readFiles (): Promise<{ passwords?: PasswordTable, acl?: AclTable }> {
    const [p, a] = await Promise.all([
      opts.passwordFile === undefined ? undefined : loadPasswordFile(opts.passwordFile),
      opts.aclFile === undefined ? undefined : loadAclFile(opts.aclFile)
    ])
    return { passwords: p, acl: a }
  }

  async function reload (): Promise<ReloadResult> {
    const errors: string[] = []
    if (opts.passwordFile !== undefined) {
      try {
        passwords = await loadPasswordFile(opts.passwordFile)
        log.info({ file: opts.passwordFile, users: passwords.users.size }, 'password file loaded')
      } catch (err) {
        errors.push((err as Error).message)
        log.error({ err }, 'password file not reloaded; keeping the previous one')
      }
    }
    if (opts.aclFile !== undefined) {
      try {
        acl = await loadAclFile(opts.aclFile)
        aclVersion++
        log.info({ file: opts.aclFile, users: acl.users.size, patterns: acl.patterns.length }, 'ACL file loaded')
      } catch (err) {
        errors.push((err as Error).message)
        log.error({ err }, 'ACL file not reloaded; keeping the previous one')
      }
    }
    return { ok: errors.length === 0, errors }
  }

  /** Spend about the same time on unknown users as on known ones. */
  async function burnVerify (password: string): Promise<void> {
    dummyHash ??= hashPassword('siar-dummy-password')
    await verifyPassword(await dummyHash, password)
  }

  async function authenticate (client: Client, username: string | undefined, password: Buffer | undefined): Promise<AuthResult> {
    let result: AuthResult
    const cert = certIdentityOf(client)
    if (opts.certCnAsUsername && cert?.verified && cert.cn) {
      // Like Mosquitto's use_identity_as_username: the verified certificate is the credential.
      result = { ok: true, username: cert.cn }
    } else if (username !== undefined && passwords) {
      const stored = passwords.users.get(username)
      const given = password?.toString('utf8') ?? ''
      let ok = false
      if (stored === undefined) await burnVerify(given)
      else ok = await verifyPassword(stored, given)
      result = ok ? { ok: true, username } : { ok: false, returnCode: 4, reason: 'bad_credentials' }
    } else {
      // Anonymous, or a username nobody can check (no password file): a
      // client certificate that chained to the configured CA is a credential
      // of its own. Otherwise, once a password file exists only
      // --allow-anonymous lets it in; before that, loopback peers are trusted
      // like Mosquitto 2's local-only mode.
      const allowed = opts.allowAnonymous || cert?.verified === true || (!passwords && isLoopbackAddress(remoteAddressOf(client)))
      result = allowed ? { ok: true, username } : { ok: false, returnCode: 5, reason: 'anonymous_refused' }
    }
    if (result.ok) identities.set(client, { username: result.username, aclVersion: -1 })
    return result
  }

  function aclFor (client: Client | null): ClientAcl | undefined {
    if (!client) return undefined
    const id = identities.get(client)
    if (!id || !acl) return undefined
    if (id.aclVersion !== aclVersion || !id.acl) {
      id.acl = compileClientAcl(acl, { username: id.username, clientId: client.id ?? '' })
      id.aclVersion = aclVersion
    }
    return id.acl
  }

  return {
    load: async () => {
      const files = await readFiles()
      passwords = files.passwords
      acl = files.acl
      aclVersion++
    },
    reload,
    get passwordsConfigured () { return opts.passwordFile !== undefined },
    get aclConfigured () { return opts.aclFile !== undefined },
    authenticate,
    canPublish: (client, topic) => !acl || (aclFor(client)?.canPublish(topic) ?? false),
    canSubscribe: (client, filter) => !acl || (aclFor(client)?.canSubscribe(filter) ?? false),
    canRead: (client, topic) => !acl || (aclFor(client)?.canRead(topic) ?? false)
  }
}
