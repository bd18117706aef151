/**
 * The logger shape core needs: a subset of pino's. Core never creates a logger;
 * the app or CLI passes one in, and `silentLogger` is used otherwise.
 */
export type LogFn = (objOrMsg: object | string, msg?: string) => void

export interface Logger {
  fatal: LogFn
  error: LogFn
  warn: LogFn
  info: LogFn
  debug: LogFn
  trace: LogFn
  child: (bindings: Record<string, unknown>) => Logger
}

const noop: LogFn = () => {}

export const silentLogger: Logger = {
  fatal: noop,
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  child: () => silentLogger
}
