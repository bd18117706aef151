/** Errors a person can act on: what failed, where, and the MQTT reason code when there is one. */
export const ClientErrorCodes = {
  CONNECTION_REFUSED: 'SIAR_ERR_CLIENT_CONNECTION_REFUSED',
  CONNECT_TIMEOUT: 'SIAR_ERR_CLIENT_CONNECT_TIMEOUT',
  CONNACK_REFUSED: 'SIAR_ERR_CLIENT_CONNACK_REFUSED',
  NETWORK: 'SIAR_ERR_CLIENT_NETWORK',
  SUBSCRIBE_REFUSED: 'SIAR_ERR_CLIENT_SUBSCRIBE_REFUSED',
  PUBLISH_REFUSED: 'SIAR_ERR_CLIENT_PUBLISH_REFUSED',
  CLOSED: 'SIAR_ERR_CLIENT_CLOSED',
  BAD_URL: 'SIAR_ERR_CLIENT_BAD_URL',
  /** The offline publish buffer is at its bound while reconnecting. */
  OFFLINE_BUFFER_FULL: 'SIAR_ERR_CLIENT_OFFLINE_BUFFER_FULL',
  /** A codec could not decode (or encode) a payload. */
  CODEC: 'SIAR_ERR_CLIENT_CODEC',
  /** The feature needs MQTT 5 and the connection is 3.1 / 3.1.1. */
  REQUIRES_MQTT5: 'SIAR_ERR_CLIENT_REQUIRES_MQTT5',
  REQUEST_TIMEOUT: 'SIAR_ERR_CLIENT_REQUEST_TIMEOUT',
  /** The responder's handler threw; its message comes back in the reply. */
  REQUEST_FAILED: 'SIAR_ERR_CLIENT_REQUEST_FAILED',
  /** A topic or topic pattern argument is not valid. */
  BAD_TOPIC: 'SIAR_ERR_CLIENT_BAD_TOPIC'
} as const

export type ClientErrorCode = (typeof ClientErrorCodes)[keyof typeof ClientErrorCodes]

export class MqttClientError extends Error {
  override name = 'MqttClientError'
  readonly code: ClientErrorCode
  /** MQTT 5 reason code (or the v3 CONNACK return code) when the broker sent one. */
  readonly reasonCode?: number

  constructor (code: ClientErrorCode, message: string, opts: { cause?: unknown, reasonCode?: number } = {}) {
    super(message, { cause: opts.cause })
    this.code = code
    if (opts.reasonCode !== undefined) this.reasonCode = opts.reasonCode
  }
}

const REASON_TEXT: Record<number, string> = {
  0x00: 'normal disconnection',
  0x80: 'unspecified error',
  0x81: 'malformed packet',
  0x82: 'protocol error',
  0x83: 'implementation specific error',
  0x84: 'unsupported protocol version',
  0x85: 'client identifier not valid',
  0x86: 'bad user name or password',
  0x87: 'not authorized',
  0x88: 'server unavailable',
  0x89: 'server busy',
  0x8a: 'banned',
  0x8b: 'server shutting down',
  0x8c: 'bad authentication method',
  0x8e: 'session taken over',
  0x8f: 'topic filter invalid',
  0x90: 'topic name invalid',
  0x91: 'packet identifier in use',
  0x93: 'receive maximum exceeded',
  0x94: 'topic alias invalid',
  0x95: 'packet too large',
  0x96: 'message rate too high',
  0x97: 'quota exceeded',
  0x99: 'payload format invalid',
  0x9a: 'retain not supported',
  0x9b: 'QoS not supported',
  0x9c: 'use another server',
  0x9d: 'server moved',
  0x9e: 'shared subscriptions not supported',
  0x9f: 'connection rate exceeded',
  0xa1: 'subscription identifiers not supported',
  0xa2: 'wildcard subscriptions not supported'
}

/** MQTT 3.1.1 CONNACK return codes. */
const V3_CONNACK_TEXT: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized'
}

export function describeReasonCode (code: number, protocolVersion = 5): string {
  if (protocolVersion < 5 && V3_CONNACK_TEXT[code]) return `${V3_CONNACK_TEXT[code]} (${code})`
  const text = REASON_TEXT[code] ?? 'error'
  return `${text} (0x${code.toString(16).padStart(2, '0')})`
}

/** An mqtt.js call failure as a MqttClientError saying what failed (and the reason code, if any). */
export function wrapCallError (err: unknown, what: string, code: MqttClientError['code']): MqttClientError {
  if (err instanceof MqttClientError) return err
  const e = err as Error & { code?: number | string }
  if (typeof e.code === 'number') {
    return new MqttClientError(code, `${what} failed: ${describeReasonCode(e.code)}`, { cause: err, reasonCode: e.code })
  }
  if (/client disconnecting|connection closed/i.test(e.message)) {
    return new MqttClientError(ClientErrorCodes.CLOSED, `${what} failed: the connection is closed`, { cause: err })
  }
  return new MqttClientError(code, `${what} failed: ${e.message}`, { cause: err })
}
