import { z } from 'zod'
import { ConfigError, type ConfigViolation } from './errors.js'

/** Defaults, with units in the names. One place: docs/configuration.md is written from these. */
export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_MQTT_PORT = 1883
export const DEFAULT_WS_PORT = 8083
export const DEFAULT_WS_PATH = '/mqtt'
export const DEFAULT_HTTP_PORT = 18083
export const DEFAULT_MAX_PACKET_SIZE_BYTES = 1024 * 1024
export const DEFAULT_MAX_QUEUED_MESSAGES = 1000
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
export const DEFAULT_DRAIN_TIMEOUT_MS = 60_000
export const DEFAULT_RECEIVE_MAXIMUM = 100
export const DEFAULT_TOPIC_ALIAS_MAXIMUM = 32
export const DEFAULT_REDIS_KEY_PREFIX = 'siar:'
/** Node liveness: heartbeat every third of this; a node silent this long is dead. */
export const DEFAULT_NODE_TIMEOUT_MS = 10_000
export const DEFAULT_DRAIN_WINDOW_MS = 5_000
export const DEFAULT_MAX_SESSION_EXPIRY_SECONDS = 7 * 24 * 3600
export const DEFAULT_MQTTS_PORT = 8883
export const DEFAULT_WSS_PORT = 8084
export const DEFAULT_MAX_CONNECTIONS = 100_000
export const DEFAULT_MAX_TOPIC_LENGTH_BYTES = 65_535
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT = 10_000
/** Seconds between $SYS updates, as Mosquitto's sys_interval. */
export const DEFAULT_SYS_INTERVAL_SECONDS = 10
/** MQTT's own ceiling for a Remaining Length (4-byte variable integer) plus header. */
const MQTT_MAX_PACKET_SIZE_BYTES = 268_435_455

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

function int (min: number, max: number, what = 'an integer') {
  const allowed = `${what} from ${min} to ${max}`
  return z.number({ error: allowed }).int({ error: allowed }).min(min, { error: allowed }).max(max, { error: allowed })
}
const port = () => int(0, 65535, 'a port number (0 turns the listener off)')

const limitsSchema = z.strictObject({
  maxPacketSize: int(64, MQTT_MAX_PACKET_SIZE_BYTES, 'a size in bytes').default(DEFAULT_MAX_PACKET_SIZE_BYTES),
  maxQueuedMessages: int(0, 10_000_000).default(DEFAULT_MAX_QUEUED_MESSAGES),
  connectTimeoutMs: int(100, 600_000, 'milliseconds').default(DEFAULT_CONNECT_TIMEOUT_MS),
  drainTimeoutMs: int(0, 3_600_000, 'milliseconds (0 = wait forever)').default(DEFAULT_DRAIN_TIMEOUT_MS),
  receiveMaximum: int(1, 65535).default(DEFAULT_RECEIVE_MAXIMUM),
  topicAliasMaximum: int(0, 65535).default(DEFAULT_TOPIC_ALIAS_MAXIMUM),
  keepaliveMaxSeconds: int(0, 65535, 'seconds (0 = no limit)').default(0),
  maxSessionExpirySeconds: int(0, 4_294_967_295, 'seconds').default(DEFAULT_MAX_SESSION_EXPIRY_SECONDS),
  maxClientIdLength: int(23, 65535).default(256),
  maxTopicLevels: int(1, 100).default(100),
  maxConnections: int(0, 10_000_000, 'a count (0 = no limit)').default(DEFAULT_MAX_CONNECTIONS),
  maxConnectionsPerIp: int(0, 10_000_000, 'a count (0 = no limit)').default(0),
  connectionRatePerIp: int(0, 1_000_000, 'new connections per second (0 = no limit)').default(0),
  maxTopicLength: int(1, 65_535, 'a length in bytes').default(DEFAULT_MAX_TOPIC_LENGTH_BYTES),
  maxSubscriptionsPerClient: int(0, 10_000_000, 'a count (0 = no limit)').default(DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT),
  publishRatePerClient: int(0, 10_000_000, 'messages per second (0 = no limit)').default(0)
})

const filePath = () => z.string({ error: 'a file path' }).min(1, { error: 'a file path' })

const authSchema = z.strictObject({
  /** mosquitto_passwd-style file; once set, anonymous clients are refused unless allowAnonymous. */
  passwordFile: filePath().optional(),
  /** Mosquitto-syntax ACL; once set, anything it does not grant is denied. */
  aclFile: filePath().optional(),
  /** Reload the files when they change on disk (besides broker.reload()). */
  watchFiles: z.boolean({ error: 'true or false' }).default(true)
})

/** TLS listeners run only when both cert and key are given. */
const tlsSchema = z.strictObject({
  port: port().default(DEFAULT_MQTTS_PORT),
  wssPort: port().default(DEFAULT_WSS_PORT),
  cert: filePath().optional(),
  key: filePath().optional(),
  ca: filePath().optional(),
  requireClientCert: z.boolean({ error: 'true or false' }).default(false),
  certCnAsUsername: z.boolean({ error: 'true or false' }).default(false)
}).superRefine((tls, ctx) => {
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    ctx.addIssue({ code: 'custom', path: [tls.cert === undefined ? 'cert' : 'key'], message: 'tls.cert and tls.key must be given together' })
  }
  if ((tls.requireClientCert || tls.certCnAsUsername) && tls.ca === undefined) {
    ctx.addIssue({ code: 'custom', path: ['ca'], message: 'a CA file (tls.ca) to verify client certificates against' })
  }
})

const sysSchema = z.strictObject({
  intervalSeconds: int(0, 86_400, 'seconds between $SYS updates (0 = no $SYS tree)').default(DEFAULT_SYS_INTERVAL_SECONDS)
})

const metricsSchema = z.strictObject({
  enabled: z.boolean({ error: 'true or false' }).default(true)
})

const REDIS_URL_ALLOWED = 'a redis:// or rediss:// URL, e.g. redis://[user:password@]host:6379[/db]'
const clusterSchema = z.strictObject({
  /** Share sessions, subscriptions, retained messages and routing with other nodes through this Redis. */
  redis: z.string({ error: REDIS_URL_ALLOWED }).regex(/^rediss?:\/\/[^\s]+$/, { error: REDIS_URL_ALLOWED }).optional(),
  /** Read the Redis password from a file (a Kubernetes Secret mount); overrides one in the URL. */
  redisPasswordFile: z.string({ error: 'a file path' }).min(1, { error: 'a file path' }).optional(),
  /** Redis Sentinel addresses (host:port); with them, `redis` only supplies credentials, db and TLS. */
  sentinels: z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, { error: 'host:port' }), { error: 'a list of host:port' }).default([]),
  sentinelMasterName: z.string({ error: 'a non-empty string' }).min(1, { error: 'a non-empty string' }).default('mymaster'),
  /** Prefix of every Redis key and channel, so several clusters can share one Redis. */
  keyPrefix: z.string({ error: 'a string of letters, digits, and : _ - .' }).regex(/^[A-Za-z0-9:_.-]{0,64}$/, { error: 'a string of letters, digits, and : _ - . (at most 64)' }).default(DEFAULT_REDIS_KEY_PREFIX),
  /** A node not heard from for this long is dead: its clients' wills are published by a survivor. */
  nodeTimeoutMs: int(2_000, 300_000, 'milliseconds').default(DEFAULT_NODE_TIMEOUT_MS),
  /** On SIGTERM, clients are disconnected spread over this window (avoids a reconnect storm). */
  drainWindowMs: int(0, 600_000, 'milliseconds').default(DEFAULT_DRAIN_WINDOW_MS)
})

/** Bridges to other brokers (docs/bridge-aws-iot-core.md). Config file only: lists do not fit flags. */
export const DEFAULT_BRIDGE_OUTBOUND_BUFFER_SIZE = 10_000
/** Cluster: the bridge lease lives this long unless renewed (every third of it); takeover within it plus one third. */
export const DEFAULT_BRIDGE_LEASE_TTL_MS = 7_500
const BRIDGE_URL_ALLOWED = 'an mqtt://, mqtts://, ws:// or wss:// URL'
const TOPIC_FILTER_ALLOWED = 'an MQTT topic filter (+ and # only as whole levels, # last)'
const isFilter = (f: string): boolean => !f.includes('\u0000') && f.split('/').every((level, i, all) =>
  (level === '#' ? i === all.length - 1 : level === '+' || !/[+#]/.test(level)))
const bridgeTopicSchema = z.strictObject({
  /** Filter relative to the prefixes; '' maps the single topic localPrefix <-> remotePrefix (as Mosquitto). */
  pattern: z.string({ error: TOPIC_FILTER_ALLOWED }).refine(isFilter, { error: TOPIC_FILTER_ALLOWED }),
  direction: z.enum(['in', 'out', 'both'], { error: 'one of in, out, both' }).default('out'),
  qos: int(0, 2, 'a QoS (0, 1 or 2)').default(0),
  localPrefix: z.string({ error: 'a topic prefix without + or #' }).regex(/^[^+#\u0000]*$/, { error: 'a topic prefix without + or #' }).default(''),
  remotePrefix: z.string({ error: 'a topic prefix without + or #' }).regex(/^[^+#\u0000]*$/, { error: 'a topic prefix without + or #' }).default('')
}).refine((t) => t.pattern !== '' || (t.localPrefix !== '' && t.remotePrefix !== ''), { error: 'an empty pattern needs both localPrefix and remotePrefix (the whole topics)' })
const bridgeSchema = z.strictObject({
  name: z.string({ error: 'letters, digits, and _ - . (at most 64)' }).regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'letters, digits, and _ - . (at most 64)' }),
  url: z.string({ error: BRIDGE_URL_ALLOWED }).regex(/^(mqtts?|wss?):\/\/[^\s]+$/, { error: BRIDGE_URL_ALLOWED }),
  /** Default `siar-<name>`. AWS IoT Core: usually the thing name, as the policy allows. */
  clientId: z.string({ error: 'a non-empty string' }).min(1, { error: 'a non-empty string' }).optional(),
  username: z.string({ error: 'a string' }).optional(),
  password: z.string({ error: 'a string' }).optional(),
  /** Read the password from a file (a mounted Secret); overrides `password`. */
  passwordFile: filePath().optional(),
  tls: z.strictObject({
    ca: filePath().optional(),
    cert: filePath().optional(),
    key: filePath().optional(),
    servername: z.string({ error: 'a host name' }).optional(),
    /** AWS IoT Core on port 443 needs `x-amzn-mqtt-ca`; on 8883 none. */
    alpnProtocols: z.array(z.string(), { error: 'a list of protocol names' }).optional(),
    rejectUnauthorized: z.boolean({ error: 'true or false' }).default(true)
  }).default({ rejectUnauthorized: true }),
  protocolVersion: z.union([z.literal(3), z.literal(4), z.literal(5)], { error: '3 (MQTT 3.1), 4 (3.1.1) or 5' }).default(4),
  keepaliveSeconds: int(0, 65535, 'seconds').default(60),
  cleanStart: z.boolean({ error: 'true or false' }).default(false),
  /** MQTT 5 remotes: how long the remote keeps the bridge's session after a disconnect. */
  sessionExpirySeconds: int(0, 4_294_967_295, 'seconds').default(3600),
  /** Highest QoS the remote takes (AWS IoT Core: 1); higher QoS is sent at this one. */
  maxQos: int(0, 2, 'a QoS (0, 1 or 2)').default(2),
  /** false: send every message with retain=false (remotes without retained messages). */
  retainAvailable: z.boolean({ error: 'true or false' }).default(true),
  /** Mosquitto's try_private: announce a bridge (protocol version | 0x80; MQTT 3.x only). */
  tryPrivate: z.boolean({ error: 'true or false' }).default(false),
  topics: z.array(bridgeTopicSchema, { error: 'a list of topic rules' }).min(1, { error: 'at least one topic rule' }),
  /** Outbound messages held while the remote is away (cluster: in Redis); newer ones are dropped past it. */
  outboundBufferSize: int(1, 10_000_000, 'a count of messages').default(DEFAULT_BRIDGE_OUTBOUND_BUFFER_SIZE),
  reconnectMinMs: int(100, 600_000, 'milliseconds').default(1_000),
  reconnectMaxMs: int(100, 600_000, 'milliseconds').default(30_000),
  leaseTtlMs: int(1_000, 300_000, 'milliseconds').default(DEFAULT_BRIDGE_LEASE_TTL_MS)
})
const bridgesSchema = z.array(bridgeSchema, { error: 'a list of bridges' }).superRefine((bridges, ctx) => {
  const seen = new Set<string>()
  bridges.forEach((b, i) => {
    if (seen.has(b.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'a name no other bridge has' })
    seen.add(b.name)
  })
})

export const brokerOptionsSchema = z.strictObject({
  nodeId: z.string({ error: 'a non-empty string' }).min(1, { error: 'a non-empty string' }).optional(),
  host: z.string({ error: 'an IP address or host name' }).min(1, { error: 'an IP address or host name' }).default(DEFAULT_HOST),
  port: port().default(DEFAULT_MQTT_PORT),
  wsPort: port().default(DEFAULT_WS_PORT),
  wsPath: z.string({ error: 'a URL path starting with /' }).startsWith('/', { error: 'a URL path starting with /' }).default(DEFAULT_WS_PATH),
  httpPort: port().default(DEFAULT_HTTP_PORT),
  allowAnonymous: z.boolean({ error: 'true or false' }).default(false),
  logLevel: z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  limits: limitsSchema.default(() => limitsSchema.parse({})),
  auth: authSchema.default(() => authSchema.parse({})),
  tls: tlsSchema.default(() => tlsSchema.parse({})),
  sys: sysSchema.default(() => sysSchema.parse({})),
  /** Prometheus /metrics on the HTTP port. */
  metrics: metricsSchema.default(() => metricsSchema.parse({})),
  cluster: clusterSchema.default(() => clusterSchema.parse({})),
  bridges: bridgesSchema.default([])
})

export type BrokerOptionsInput = z.input<typeof brokerOptionsSchema>
export type ResolvedBrokerOptions = Readonly<z.output<typeof brokerOptionsSchema>>
export type LogLevel = (typeof LOG_LEVELS)[number]
export type BridgeOptions = ResolvedBrokerOptions['bridges'][number]

/**
 * Validate options once: every violation is collected into one ConfigError that
 * names each key, the value given and what is allowed. The result is frozen.
 * `sources` maps a dotted key to where its value came from (flag, env, file).
 */
export function parseOptions (input: unknown, sources: Record<string, string> = {}): ResolvedBrokerOptions {
  const result = brokerOptionsSchema.safeParse(input ?? {})
  if (!result.success) {
    throw new ConfigError(result.error.issues.flatMap((issue) => toViolations(issue, input, sources)))
  }
  return deepFreeze(result.data)
}

function toViolations (issue: z.core.$ZodIssue, input: unknown, sources: Record<string, string>): ConfigViolation[] {
  const base = issue.path.map(String)
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(shapeAt(base)).join(', ')
    return issue.keys.map((key) => {
      const path = [...base, key].join('.')
      return withSource({ key: path, value: valueAt(input, [...base, key]), allowed: `not a known key; known keys here: ${known}` }, sources)
    })
  }
  const key = base.join('.') || '(root)'
  return [withSource({ key, value: valueAt(input, base), allowed: issue.message }, sources)]
}

function withSource (v: ConfigViolation, sources: Record<string, string>): ConfigViolation {
  const source = sources[v.key]
  return source === undefined ? v : { ...v, source }
}

function shapeAt (path: string[]): Record<string, unknown> {
  let schema: unknown = brokerOptionsSchema
  for (const part of path) {
    const shape = unwrapShape(schema)
    schema = shape[part]
  }
  return unwrapShape(schema)
}

function unwrapShape (schema: unknown): Record<string, unknown> {
  let s = schema as { shape?: Record<string, unknown>, unwrap?: () => unknown, def?: { innerType?: unknown } } | undefined
  for (let i = 0; i < 5 && s && !s.shape; i++) {
    s = (s.def?.innerType ?? s.unwrap?.()) as typeof s
  }
  return s?.shape ?? {}
}

function valueAt (input: unknown, path: string[]): unknown {
  let value: unknown = input
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

function deepFreeze<T> (value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
