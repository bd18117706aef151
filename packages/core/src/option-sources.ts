/**
 * Where each option can come from besides the config file: a command-line flag
 * and a SIAR_* environment variable. The CLI declares its `start` flags from this
 * table and the server reads the environment through it, so the three sources
 * cannot drift apart. Precedence: flags > env > file > defaults.
 */
export type OptionValueType = 'int' | 'string' | 'boolean'

export interface OptionSource {
  /** Dotted path in the options object, e.g. `limits.maxPacketSize`. */
  path: string
  /** Long flag without the dashes, e.g. `max-packet-size`. */
  flag: string
  env: string
  type: OptionValueType
  description: string
  /** Placeholder shown in --help. */
  valueName?: string
}

export const OPTION_SOURCES: readonly OptionSource[] = [
  { path: 'host', flag: 'host', env: 'SIAR_HOST', type: 'string', valueName: 'address', description: 'address to listen on (0.0.0.0 or :: for every interface)' },
  { path: 'port', flag: 'port', env: 'SIAR_PORT', type: 'int', valueName: 'port', description: 'MQTT over TCP port (0 = off)' },
  { path: 'wsPort', flag: 'ws-port', env: 'SIAR_WS_PORT', type: 'int', valueName: 'port', description: 'MQTT over WebSocket port (0 = off)' },
  { path: 'wsPath', flag: 'ws-path', env: 'SIAR_WS_PATH', type: 'string', valueName: 'path', description: 'WebSocket URL path' },
  { path: 'httpPort', flag: 'http-port', env: 'SIAR_HTTP_PORT', type: 'int', valueName: 'port', description: 'HTTP port for /healthz, /readyz (0 = off)' },
  { path: 'allowAnonymous', flag: 'allow-anonymous', env: 'SIAR_ALLOW_ANONYMOUS', type: 'boolean', description: 'accept clients without credentials on non-loopback addresses' },
  { path: 'logLevel', flag: 'log-level', env: 'SIAR_LOG_LEVEL', type: 'string', valueName: 'level', description: 'fatal, error, warn, info, debug, trace or silent' },
  { path: 'nodeId', flag: 'node-id', env: 'SIAR_NODE_ID', type: 'string', valueName: 'id', description: 'stable id of this node (default: host name)' },
  { path: 'limits.maxPacketSize', flag: 'max-packet-size', env: 'SIAR_MAX_PACKET_SIZE', type: 'int', valueName: 'bytes', description: 'largest MQTT packet accepted' },
  { path: 'limits.maxQueuedMessages', flag: 'max-queued-messages', env: 'SIAR_MAX_QUEUED_MESSAGES', type: 'int', valueName: 'n', description: 'offline queue cap per persistent session' },
  { path: 'limits.connectTimeoutMs', flag: 'connect-timeout-ms', env: 'SIAR_CONNECT_TIMEOUT_MS', type: 'int', valueName: 'ms', description: 'close sockets that send no CONNECT within this time' }
]

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on'])
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off'])

/**
 * Turn a text value (env, flag) into the option's type. A value that does not
 * convert is passed through unchanged so validation reports it with its source.
 */
export function convertOptionValue (type: OptionValueType, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw
  const text = raw.trim()
  if (type === 'int') return /^-?\d+$/.test(text) ? Number(text) : raw
  if (type === 'boolean') {
    const lower = text.toLowerCase()
    if (TRUE_WORDS.has(lower)) return true
    if (FALSE_WORDS.has(lower)) return false
    return raw
  }
  return raw
}

export interface LayeredValues {
  values: Record<string, unknown>
  sources: Record<string, string>
}

/** Pick the SIAR_* variables that map to options. */
export function optionsFromEnv (env: Record<string, string | undefined>): LayeredValues {
  const values: Record<string, unknown> = {}
  const sources: Record<string, string> = {}
  for (const src of OPTION_SOURCES) {
    const raw = env[src.env]
    if (raw === undefined || raw === '') continue
    values[src.path] = convertOptionValue(src.type, raw)
    sources[src.path] = `env ${src.env}`
  }
  return { values, sources }
}

/** Flags parsed by the CLI, keyed by option path. */
export function optionsFromFlags (flags: Record<string, unknown>): LayeredValues {
  const values: Record<string, unknown> = {}
  const sources: Record<string, string> = {}
  for (const src of OPTION_SOURCES) {
    const raw = flags[src.path]
    if (raw === undefined) continue
    values[src.path] = convertOptionValue(src.type, raw)
    sources[src.path] = `flag --${src.flag}`
  }
  return { values, sources }
}

/** Set a dotted path inside a nested object, creating the levels on the way. */
export function setPath (target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.')
  let node = target
  for (const part of parts.slice(0, -1)) {
    const next = node[part]
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[part] = {}
    node = node[part] as Record<string, unknown>
  }
  node[parts[parts.length - 1] as string] = value
}
