import { ClientErrorCodes, MqttClientError } from './errors.js'

export interface ParsedBrokerUrl {
  protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss'
  host: string
  port: number
  /** WebSocket path, or the topic for CLI URLs like mqtt://host/topic. */
  path: string
  username?: string
  password?: string
}

const DEFAULT_PORTS = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 } as const

/** Parse mqtt://user:pass@host:port/path, with the same defaults mosquitto uses. */
export function parseBrokerUrl (url: string): ParsedBrokerUrl {
  let u: URL
  try {
    u = new URL(url)
  } catch (err) {
    throw new MqttClientError(ClientErrorCodes.BAD_URL, `not a broker URL: ${JSON.stringify(url)} (expected mqtt://host:port, mqtts://, ws:// or wss://)`, { cause: err })
  }
  const protocol = u.protocol.replace(/:$/, '').replace(/^tcp$/, 'mqtt').replace(/^ssl$|^tls$/, 'mqtts')
  if (!(protocol in DEFAULT_PORTS)) {
    throw new MqttClientError(ClientErrorCodes.BAD_URL, `unsupported URL scheme ${u.protocol} in ${url}; use mqtt, mqtts, ws or wss`)
  }
  const p = protocol as ParsedBrokerUrl['protocol']
  const parsed: ParsedBrokerUrl = {
    protocol: p,
    host: u.hostname.replace(/^\[|\]$/g, '') || 'localhost',
    port: u.port ? Number(u.port) : DEFAULT_PORTS[p],
    path: decodeURIComponent(u.pathname)
  }
  if (u.username) parsed.username = decodeURIComponent(u.username)
  if (u.password) parsed.password = decodeURIComponent(u.password)
  return parsed
}
