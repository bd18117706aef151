import { existsSync, readFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CliError, ExitCodes } from '../output.js'
import { userConfigDir } from '../lan/config-dir.js'

/** Name of the systemd unit, launchd label and Windows service. */
export const SERVICE_NAME = 'siar'

export type ServiceScope = 'user' | 'system'

/** What the service runs, the same on every OS; each platform file turns it into its own format. */
export interface ServiceSpec {
  name: string
  description: string
  /** Absolute path of the node binary running this CLI now. */
  nodePath: string
  /** Absolute path of siar's bin/siar.js. */
  siarBin: string
  /** Arguments after siar.js: `start --config /abs/file [--lan]`. */
  args: string[]
  env: Record<string, string>
  scope: ServiceScope
  /** The account a system service runs as. */
  runAs: string
  home: string
}

export interface ServiceSpecInput {
  config?: string
  lan?: boolean
  scope: ServiceScope
  platform: NodeJS.Platform
  env: Record<string, string | undefined>
  cwd?: string
}

/** dist/service/service-spec.js → bin/siar.js (the same layout from src/ under tests). */
export const SIAR_BIN_PATH = fileURLToPath(new URL('../../bin/siar.js', import.meta.url))

export function resolveServiceSpec (input: ServiceSpecInput): ServiceSpec {
  const args = ['start']
  if (input.config !== undefined) {
    // A service starts in / (or System32): a relative path would point elsewhere.
    const config = resolve(input.cwd ?? process.cwd(), input.config)
    if (!existsSync(config)) throw new CliError(`config file ${config} does not exist`, ExitCodes.USAGE)
    args.push('--config', config)
  }
  if (input.lan) args.push('--lan')
  const user = userInfo()
  // sudo keeps the invoking user's name: a system service should run as that person, not root,
  // and use that person's config dir (where `siar start --lan` keeps the login).
  const sudoUser = input.env.SUDO_USER !== undefined && input.env.SUDO_USER !== 'root' ? input.env.SUDO_USER : undefined
  const runAs = sudoUser ?? user.username
  const home = sudoUser !== undefined ? homeOf(sudoUser, input.platform) : user.homedir
  const env = sudoUser !== undefined ? { ...input.env, HOME: home, XDG_CONFIG_HOME: undefined, APPDATA: undefined } : input.env
  return {
    name: SERVICE_NAME,
    description: 'siar MQTT broker',
    nodePath: process.execPath,
    siarBin: SIAR_BIN_PATH,
    args,
    // The LAN login lives in the installing user's config dir, so the service prints and uses the same one.
    env: { SIAR_CONFIG_DIR: userConfigDir({ env, platform: input.platform, home }) },
    scope: input.scope,
    runAs,
    home
  }
}

/** Another user's home: /etc/passwd on Linux; macOS keeps users in Directory Services, under /Users. */
function homeOf (user: string, platform: NodeJS.Platform): string {
  if (platform === 'darwin') return join('/Users', user)
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const fields = line.split(':')
      if (fields[0] === user && fields[5]) return fields[5]
    }
  } catch { /* no /etc/passwd: use the usual place */ }
  return join('/home', user)
}

/** npx runs from a cache that gets cleaned: a service pointing there breaks later. */
export function ephemeralInstallWarning (spec: ServiceSpec): string | undefined {
  if (/[/\\]_npx[/\\]/.test(spec.siarBin)) {
    return `warning: siar runs from npx's cache (${spec.siarBin}), which npm may clean; install it first (npm install -g ./siar-<version>.tgz, see docs/install.md) and run siar service install again`
  }
  return undefined
}
