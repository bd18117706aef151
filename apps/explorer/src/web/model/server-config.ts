import { EXPLORER_CONFIG_PATH, type ExplorerConfig } from '../../explorer-config.js'

/** Served as a plain file (no server): nothing to connect to until the user says where. */
const STANDALONE: ExplorerConfig = { servedBy: 'explore', label: 'MQTT explorer', connect: null, authRequired: true }

export async function loadServerConfig (): Promise<ExplorerConfig> {
  try {
    const res = await fetch(EXPLORER_CONFIG_PATH, { cache: 'no-store' })
    if (!res.ok) return STANDALONE
    return await res.json() as ExplorerConfig
  } catch {
    return STANDALONE
  }
}

/**
 * The WebSocket URL for the server's target. With no host in the config we use
 * the name the browser used for this page, so http://raspberrypi.local:18083/
 * connects to ws://raspberrypi.local:8083/mqtt with no set-up.
 */
export function targetUrl (config: ExplorerConfig, loc: Pick<Location, 'hostname' | 'protocol'> = location): string {
  const c = config.connect
  if (!c) return ''
  const host = c.host ?? loc.hostname
  const protocol = c.host === undefined && loc.protocol === 'https:' ? 'wss' : c.protocol
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return `${protocol}://${shownHost}:${c.port}${c.path}`
}

/** The page may connect on open only when nobody must log in and the server gave a target. */
export function mayAutoConnect (config: ExplorerConfig): boolean {
  return config.connect !== null && !config.authRequired
}
