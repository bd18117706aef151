import { resolveConfig, type ResolvedBrokerOptions } from '@siar/core'
import type { RunningServer } from '@siar/broker'
import { CliError, ExitCodes } from '../output.js'
import { userConfigDir } from './config-dir.js'
import { allInterfacesHost, listLanAddresses } from './lan-addresses.js'
import { ensureLanCredentials } from './lan-credentials.js'
import { formatLanInstructions, type LanAuth } from './lan-instructions.js'

export interface LanModeInput {
  /** `siar start` flags keyed by option path (host, auth.passwordFile, ...). */
  flags: Record<string, unknown>
  env: Record<string, string | undefined>
  configFile?: string
}

export interface LanMode {
  /** The flags to start the broker with: every interface, and a password file unless one was given. */
  flags: Record<string, unknown>
  /** The text for a person, once the listeners are bound (ports may differ from the options). */
  instructions: (server: RunningServer) => string
}

/**
 * `siar start --lan`: every interface, with authentication on. A password
 * file from the flags, the environment or the config file is used as it is;
 * otherwise a generated login in the user's config directory. Anonymous
 * clients only with --allow-anonymous, asked for by name (like Mosquitto 2).
 */
export async function prepareLanMode (input: LanModeInput): Promise<LanMode> {
  if (input.flags.host !== undefined) {
    throw new CliError('--lan listens on every interface; leave out --host (or use --host without --lan)', ExitCodes.USAGE)
  }
  let resolved: ResolvedBrokerOptions | undefined
  try {
    resolved = await resolveConfig({ flags: input.flags, env: input.env, configFile: input.configFile })
  } catch {
    // The server reports configuration errors in full when it resolves them again.
  }
  const flags: Record<string, unknown> = { ...input.flags, host: await allInterfacesHost() }
  let auth: LanAuth
  if (resolved?.auth.passwordFile !== undefined) {
    auth = { kind: 'password-file', file: resolved.auth.passwordFile }
  } else if (resolved?.allowAnonymous === true) {
    auth = { kind: 'anonymous' }
  } else {
    const creds = await ensureLanCredentials(userConfigDir({ env: input.env }))
    flags['auth.passwordFile'] = creds.passwordFile
    auth = { kind: 'generated', username: creds.username, password: creds.password, credentialsFile: creds.credentialsFile }
  }
  return {
    flags,
    instructions: (server) => {
      const listeners = server.broker.listeners
      const mqtt = listeners.find((l) => l.kind === 'mqtt')
      const ws = listeners.find((l) => l.kind === 'ws')
      const http = listeners.find((l) => l.kind === 'http')
      return formatLanInstructions({
        addresses: listLanAddresses(),
        auth,
        ...(mqtt ? { mqttPort: mqtt.port } : {}),
        ...(ws ? { ws: { port: ws.port, path: server.options.wsPath } } : {}),
        ...(http ? { httpPort: http.port } : {})
      })
    }
  }
}
