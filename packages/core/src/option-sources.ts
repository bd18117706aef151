/**
 * Where each option can come from besides the config file: a command-line flag
 * and a SIAR_* environment variable. The CLI declares its `start` flags from this
 * table and the server reads the environment through it, so the three sources
 * cannot drift apart. Precedence: flags > env > file > defaults.
 */
export type OptionValueType = 'int' | 'string' | 'boolean' | 'list'

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
  { path: 'cluster.redis', flag: 'redis', env: 'SIAR_REDIS_URL', type: 'string', valueName: 'url', description: 'run as a cluster node sharing state through this Redis (redis:// or rediss://)' },
  { path: 'cluster.redisPasswordFile', flag: 'redis-password-file', env: 'SIAR_REDIS_PASSWORD_FILE', type: 'string', valueName: 'file', description: 'read the Redis password from this file' },
  { path: 'cluster.sentinels', flag: 'redis-sentinels', env: 'SIAR_REDIS_SENTINELS', type: 'list', valueName: 'host:port,...', description: 'Redis Sentinel addresses (failover)' },
  { path: 'cluster.sentinelMasterName', flag: 'redis-sentinel-name', env: 'SIAR_REDIS_SENTINEL_NAME', type: 'string', valueName: 'name', description: 'the master name the sentinels watch' },
  { path: 'cluster.keyPrefix', flag: 'redis-key-prefix', env: 'SIAR_REDIS_KEY_PREFIX', type: 'string', valueName: 'prefix', description: 'prefix of every Redis key and channel (several clusters on one Redis)' },
  { path: 'cluster.nodeTimeoutMs', flag: 'node-timeout-ms', env: 'SIAR_NODE_TIMEOUT_MS', type: 'int', valueName: 'ms', description: 'a node silent this long is dead; its wills are published' },
  { path: 'cluster.drainWindowMs', flag: 'drain-window-ms', env: 'SIAR_DRAIN_WINDOW_MS', type: 'int', valueName: 'ms', description: 'on SIGTERM, spread client disconnects over this window' },
  { path: 'limits.maxPacketSize', flag: 'max-packet-size', env: 'SIAR_MAX_PACKET_SIZE', type: 'int', valueName: 'bytes', description: 'largest MQTT packet accepted' },
  { path: 'limits.maxQueuedMessages', flag: 'max-queued-messages', env: 'SIAR_MAX_QUEUED_MESSAGES', type: 'int', valueName: 'n', description: 'offline queue cap per persistent session' },
  { path: 'limits.connectTimeoutMs', flag: 'connect-timeout-ms', env: 'SIAR_CONNECT_TIMEOUT_MS', type: 'int', valueName: 'ms', description: 'close sockets that send no CONNECT within this time' },
  { path: 'limits.drainTimeoutMs', flag: 'drain-timeout-ms', env: 'SIAR_DRAIN_TIMEOUT_MS', type: 'int', valueName: 'ms', description: 'disconnect a client that stops reading for this long (0 = never)' },
  { path: 'limits.receiveMaximum', flag: 'max-inflight', env: 'SIAR_MAX_INFLIGHT', type: 'int', valueName: 'n', description: 'in-flight QoS 1/2 messages per client (MQTT 5 Receive Maximum)' },
  { path: 'limits.maxConnections', flag: 'max-connections', env: 'SIAR_MAX_CONNECTIONS', type: 'int', valueName: 'n', description: 'open connections in total (0 = no limit)' },
  { path: 'limits.maxConnectionsPerIp', flag: 'max-connections-per-ip', env: 'SIAR_MAX_CONNECTIONS_PER_IP', type: 'int', valueName: 'n', description: 'open connections per source address (0 = no limit)' },
  { path: 'limits.connectionRatePerIp', flag: 'connection-rate-per-ip', env: 'SIAR_CONNECTION_RATE_PER_IP', type: 'int', valueName: 'n', description: 'new connections per second per source address (0 = no limit)' },
  { path: 'limits.maxTopicLength', flag: 'max-topic-length', env: 'SIAR_MAX_TOPIC_LENGTH', type: 'int', valueName: 'bytes', description: 'longest topic name or filter' },
  { path: 'limits.maxTopicLevels', flag: 'max-topic-levels', env: 'SIAR_MAX_TOPIC_LEVELS', type: 'int', valueName: 'n', description: 'most levels (a/b/c = 3) in a topic' },
  { path: 'limits.maxSubscriptionsPerClient', flag: 'max-subscriptions-per-client', env: 'SIAR_MAX_SUBSCRIPTIONS_PER_CLIENT', type: 'int', valueName: 'n', description: 'subscriptions one client may hold (0 = no limit)' },
  { path: 'limits.publishRatePerClient', flag: 'publish-rate-per-client', env: 'SIAR_PUBLISH_RATE_PER_CLIENT', type: 'int', valueName: 'n', description: 'PUBLISH packets per second per client (0 = no limit)' },
  { path: 'auth.passwordFile', flag: 'password-file', env: 'SIAR_PASSWORD_FILE', type: 'string', valueName: 'file', description: 'password file (siar passwd or mosquitto_passwd); turns anonymous off' },
  { path: 'auth.aclFile', flag: 'acl-file', env: 'SIAR_ACL_FILE', type: 'string', valueName: 'file', description: 'ACL file in Mosquitto syntax; denies what it does not grant' },
  { path: 'tls.port', flag: 'tls-port', env: 'SIAR_TLS_PORT', type: 'int', valueName: 'port', description: 'MQTT over TLS port, used when --tls-cert is set (0 = off)' },
  { path: 'tls.wssPort', flag: 'wss-port', env: 'SIAR_WSS_PORT', type: 'int', valueName: 'port', description: 'MQTT over secure WebSocket port, used when --tls-cert is set (0 = off)' },
  { path: 'tls.cert', flag: 'tls-cert', env: 'SIAR_TLS_CERT', type: 'string', valueName: 'file', description: 'server certificate chain (PEM)' },
  { path: 'tls.key', flag: 'tls-key', env: 'SIAR_TLS_KEY', type: 'string', valueName: 'file', description: 'server private key (PEM)' },
  { path: 'tls.ca', flag: 'tls-ca', env: 'SIAR_TLS_CA', type: 'string', valueName: 'file', description: 'CA certificates that client certificates are checked against (PEM)' },
  { path: 'tls.requireClientCert', flag: 'require-client-cert', env: 'SIAR_REQUIRE_CLIENT_CERT', type: 'boolean', description: 'refuse TLS clients without a certificate signed by --tls-ca' },
  { path: 'tls.certCnAsUsername', flag: 'cert-cn-as-username', env: 'SIAR_CERT_CN_AS_USERNAME', type: 'boolean', description: "use a verified client certificate's CN as the username" },
  { path: 'sys.intervalSeconds', flag: 'sys-interval', env: 'SIAR_SYS_INTERVAL', type: 'int', valueName: 'seconds', description: 'seconds between $SYS topic updates (0 = no $SYS tree)' }
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
  if (type === 'list') return text === '' ? [] : text.split(',').map((part) => part.trim()).filter(Boolean)
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
