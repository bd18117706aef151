import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { ClientErrorCodes, MqttClientError, describeReasonCode } from './errors.js'
import { parseBrokerUrl } from './url.js'
import { SiarClient } from './client.js'
import { randomHex } from './bytes.js'
import { resolveReconnect, type ReconnectOptions } from './backoff.js'
import type { OfflineBufferOptions } from './offline-buffer.js'

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** Request inboxes are `<prefix>/<random>`; grant this prefix in your ACLs. */
export const DEFAULT_INBOX_PREFIX = '_inbox'

export interface ConnectOptions {
  url?: string
  host?: string
  port?: number
  protocol?: 'mqtt' | 'mqtts' | 'ws' | 'wss'
  /** WebSocket path (default /mqtt). */
  path?: string
  clientId?: string
  username?: string
  password?: string | Buffer
  /** 5 (default), 4 for MQTT 3.1.1, 3 for MQTT 3.1. */
  protocolVersion?: 3 | 4 | 5
  keepaliveSeconds?: number
  /** v3 clean session / v5 clean start (default true). */
  clean?: boolean
  /** v5 Session Expiry Interval in seconds. */
  sessionExpirySeconds?: number
  connectTimeoutMs?: number
  will?: IClientOptions['will']
  /** TLS material for mqtts/wss. */
  ca?: string | Buffer | Array<string | Buffer>
  cert?: string | Buffer
  key?: string | Buffer
  rejectUnauthorized?: boolean
  servername?: string
  /**
   * Reconnect after losing the connection: exponential backoff with jitter
   * (default on; see ReconnectOptions). `false` turns it off: the client then
   * closes on the first loss. The first connect never retries: it rejects.
   */
  reconnect?: boolean | ReconnectOptions
  /** Publishes made while reconnecting wait here, bounded (default 1000 messages). */
  offlineBuffer?: OfflineBufferOptions
  /** Topic prefix of this client's request/response inbox (default `_inbox`). */
  inboxPrefix?: string
  /**
   * Anything else mqtt.js accepts, passed through unchanged, except that
   * `reconnectPeriod` becomes a fixed-delay `reconnect` policy (when
   * `reconnect` is not given) and `resubscribe` is ignored.
   */
  mqttOptions?: IClientOptions
}

/**
 * Connect and resolve once the broker accepted (CONNACK success), or reject with
 * an error that says what to fix: `ECONNREFUSED 127.0.0.1:1883`,
 * `not authorized (0x87)`, `no CONNACK within 10000 ms`.
 */
export async function connect (urlOrOptions: string | ConnectOptions, more: ConnectOptions = {}): Promise<SiarClient> {
  const options: ConnectOptions = typeof urlOrOptions === 'string' ? { ...more, url: urlOrOptions } : { ...urlOrOptions, ...more }
  const reconnect = resolveReconnect(options.reconnect ?? fixedPeriod(options.mqttOptions?.reconnectPeriod))
  const target = resolveTarget(options)
  const protocolVersion = options.protocolVersion ?? 5
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  const mqttOptions: IClientOptions = {
    protocol: target.protocol,
    host: target.host,
    port: target.port,
    path: target.protocol.startsWith('ws') ? target.path : undefined,
    clientId: options.clientId ?? `siar-${randomHex(4)}`,
    username: options.username ?? target.username,
    password: (options.password ?? target.password) as any,
    protocolVersion,
    // MQTT 3.1 names its protocol MQIsdp; brokers refuse 'MQTT' with level 3.
    protocolId: protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
    keepalive: options.keepaliveSeconds ?? 60,
    clean: options.clean ?? true,
    connectTimeout: timeoutMs,
    will: options.will,
    ca: options.ca as any,
    cert: options.cert,
    key: options.key,
    rejectUnauthorized: options.rejectUnauthorized,
    servername: options.servername,
    ...options.mqttOptions,
    // SiarClient runs its own reconnect loop (mqtt.js only knows a fixed period)
    // and its own re-subscribe (so closed subscriptions are not revived): two
    // loops would race, so mqtt.js' stays off whatever mqttOptions say.
    reconnectPeriod: 0,
    resubscribe: false
  }
  if (protocolVersion === 5 && options.sessionExpirySeconds !== undefined) {
    mqttOptions.properties = { ...mqttOptions.properties, sessionExpiryInterval: options.sessionExpirySeconds }
  }
  const where = `${target.host}:${target.port}`
  const raw = mqtt.connect(mqttOptions)
  await waitForConnack(raw, where, timeoutMs, protocolVersion)
  return new SiarClient(raw, {
    protocolVersion,
    where,
    reconnect,
    inboxPrefix: options.inboxPrefix ?? DEFAULT_INBOX_PREFIX,
    ...(options.offlineBuffer ? { offlineBuffer: options.offlineBuffer } : {})
  })
}

function resolveTarget (options: ConnectOptions): { protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss', host: string, port: number, path: string, username?: string, password?: string } {
  if (options.url) {
    const u = parseBrokerUrl(options.url)
    return { ...u, path: u.path && u.path !== '/' ? u.path : '/mqtt' }
  }
  const protocol = options.protocol ?? 'mqtt'
  const defaultPort = { mqtt: 1883, mqtts: 8883, ws: 8083, wss: 8084 }[protocol]
  return { protocol, host: options.host ?? 'localhost', port: options.port ?? defaultPort, path: options.path ?? '/mqtt' }
}

function waitForConnack (raw: MqttClient, where: string, timeoutMs: number, protocolVersion: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (err?: MqttClientError): void => {
      clearTimeout(timer)
      raw.off('connect', onConnect)
      raw.off('error', onError)
      raw.off('close', onClose)
      if (err) {
        raw.end(true)
        reject(err)
      } else {
        resolve()
      }
    }
    const onConnect = (): void => finish()
    const onError = (err: Error & { code?: string | number }): void => finish(toConnectError(err, where, protocolVersion, timeoutMs))
    const onClose = (): void => finish(new MqttClientError(ClientErrorCodes.NETWORK, `connection to ${where} closed before the broker accepted it`))
    const timer = setTimeout(() => finish(connectTimeout(where, timeoutMs)), timeoutMs)
    raw.once('connect', onConnect)
    raw.once('error', onError)
    raw.once('close', onClose)
  })
}

function toConnectError (err: Error & { code?: string | number }, where: string, protocolVersion: number, timeoutMs: number): MqttClientError {
  if (/connack timeout/i.test(err.message)) return connectTimeout(where, timeoutMs)
  if (typeof err.code === 'number') {
    return new MqttClientError(ClientErrorCodes.CONNACK_REFUSED, `broker ${where} refused the connection: ${describeReasonCode(err.code, protocolVersion)}`, { cause: err, reasonCode: err.code })
  }
  if (err.code === 'ECONNREFUSED') {
    return new MqttClientError(ClientErrorCodes.CONNECTION_REFUSED, `ECONNREFUSED ${where}: nothing is listening there (is the broker running? right port?)`, { cause: err })
  }
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return new MqttClientError(ClientErrorCodes.NETWORK, `${err.code} ${where}: cannot resolve the host name`, { cause: err })
  }
  return new MqttClientError(ClientErrorCodes.NETWORK, `cannot connect to ${where}: ${err.code ? `${err.code} ` : ''}${err.message}`, { cause: err })
}

/** mqtt.js' own CONNACK timer and ours run for the same time; either way the user sees this. */
function connectTimeout (where: string, timeoutMs: number): MqttClientError {
  return new MqttClientError(ClientErrorCodes.CONNECT_TIMEOUT, `no answer from ${where} within ${timeoutMs} ms (is it an MQTT broker? is a firewall dropping packets?)`)
}

/** mqtt.js' `reconnectPeriod` (ms, 0 = off) as a policy: the same delay every time. */
function fixedPeriod (periodMs: number | undefined): ReconnectOptions | boolean | undefined {
  if (periodMs === undefined) return undefined
  if (periodMs <= 0) return false
  return { initialDelayMs: periodMs, maxDelayMs: periodMs, factor: 1, jitter: 0 }
}
