import pino, { type Logger as PinoLogger } from 'pino'
import pretty from 'pino-pretty'
import type { LogLevel } from '@siar/core'

/** Keys that may carry secrets; pino replaces their values before writing. */
export const REDACT_PATHS = [
  'password', '*.password', 'passwd', '*.passwd', 'redisUrl', '*.redisUrl', 'cluster.redis',
  'options.cluster.redis', 'authorization', '*.authorization', 'key', '*.key', 'tls.key'
]

export interface CreateLoggerOptions {
  level: LogLevel
  /** Human-readable lines (a TTY); JSON lines otherwise. */
  pretty: boolean
  destination?: NodeJS.WritableStream
}

export function createLogger (opts: CreateLoggerOptions): PinoLogger {
  const base = { level: opts.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined }
  if (opts.pretty) {
    // pino-pretty as a stream in this thread, not a worker transport: it keeps the
    // CLI bundle self-contained and log lines in order with the banner.
    return pino(base, pretty({ destination: (opts.destination ?? process.stderr) as any, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l', sync: true }))
  }
  return pino(base, (opts.destination ?? pino.destination({ dest: 2, sync: true })) as any)
}
