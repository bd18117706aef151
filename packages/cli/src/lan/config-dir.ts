import { homedir } from 'node:os'
import { join } from 'node:path'

export interface ConfigDirInput {
  env?: Record<string, string | undefined>
  platform?: NodeJS.Platform
  home?: string
}

/**
 * Where siar keeps per-user files (the LAN credentials): the place each OS
 * expects, so a student finds them and backups include them.
 * SIAR_CONFIG_DIR wins everywhere (tests, portable installs).
 */
export function userConfigDir (input: ConfigDirInput = {}): string {
  const env = input.env ?? process.env
  const platform = input.platform ?? process.platform
  const home = input.home ?? homedir()
  if (env.SIAR_CONFIG_DIR) return env.SIAR_CONFIG_DIR
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'siar')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'siar')
  // XDG Base Directory spec: an empty or relative XDG_CONFIG_HOME is ignored.
  const xdg = env.XDG_CONFIG_HOME
  return join(xdg && xdg.startsWith('/') ? xdg : join(home, '.config'), 'siar')
}
