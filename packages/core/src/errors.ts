/**
 * The error catalogue. Every error siar throws on purpose is a SiarError with a
 * stable `code`; tests pin the codes so scripts and docs can rely on them.
 * Protocol rejections are not errors: they become reason codes and metrics.
 */
export const ErrorCodes = {
  CONFIG_INVALID: 'SIAR_ERR_CONFIG_INVALID',
  CONFIG_FILE_UNREADABLE: 'SIAR_ERR_CONFIG_FILE_UNREADABLE',
  CONFIG_FILE_SYNTAX: 'SIAR_ERR_CONFIG_FILE_SYNTAX',
  LISTEN_ADDRESS_IN_USE: 'SIAR_ERR_LISTEN_ADDRESS_IN_USE',
  LISTEN_FAILED: 'SIAR_ERR_LISTEN_FAILED',
  INSECURE_BIND: 'SIAR_ERR_SECURITY_INSECURE_BIND',
  AUTH_FILE_UNREADABLE: 'SIAR_ERR_AUTH_FILE_UNREADABLE',
  AUTH_FILE_INVALID: 'SIAR_ERR_AUTH_FILE_INVALID',
  TLS_FILE_UNREADABLE: 'SIAR_ERR_TLS_FILE_UNREADABLE',
  TLS_CONFIG_INVALID: 'SIAR_ERR_TLS_CONFIG_INVALID',
  BROKER_CLOSED: 'SIAR_ERR_BROKER_CLOSED',
  REDIS_UNREACHABLE: 'SIAR_ERR_CLUSTER_REDIS_UNREACHABLE'
} as const

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

export class SiarError extends Error {
  override name = 'SiarError'
  readonly code: ErrorCode

  constructor (code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export interface ConfigViolation {
  /** Dotted option path, e.g. `limits.maxPacketSize`. */
  key: string
  /** The value that was given (undefined when the key is missing). */
  value: unknown
  /** What is allowed, in words. */
  allowed: string
  /** Where the value came from: flag, env, file or default. */
  source?: string
}

/** One error for every violation in a configuration, so users fix them all at once. */
export class ConfigError extends SiarError {
  override name = 'ConfigError'
  readonly violations: ConfigViolation[]

  constructor (violations: ConfigViolation[]) {
    super(ErrorCodes.CONFIG_INVALID, formatViolations(violations))
    this.violations = violations
  }
}

export class ListenError extends SiarError {
  override name = 'ListenError'
  readonly port: number
  readonly host: string

  constructor (code: ErrorCode, message: string, where: { host: string, port: number }, cause?: unknown) {
    super(code, message, { cause })
    this.port = where.port
    this.host = where.host
  }
}

function formatViolations (violations: ConfigViolation[]): string {
  const lines = violations.map((v) => {
    const from = v.source ? ` (from ${v.source})` : ''
    const given = v.value === undefined ? 'missing' : `got ${describeValue(v.value)}`
    return `  - ${v.key}${from}: ${given}; allowed: ${v.allowed}`
  })
  const noun = violations.length === 1 ? 'problem' : 'problems'
  return `invalid configuration, ${violations.length} ${noun}:\n${lines.join('\n')}`
}

function describeValue (value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null) return 'null'
  if (typeof value === 'object') {
    const text = JSON.stringify(value)
    return text.length > 60 ? `${text.slice(0, 57)}...` : text
  }
  return String(value)
}
