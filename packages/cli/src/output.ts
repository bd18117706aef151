/** Exit codes shared by the commands. 27 for a -W timeout matches mosquitto_sub. */
export const ExitCodes = {
  OK: 0,
  ERROR: 1,
  USAGE: 2,
  TIMEOUT: 27
} as const

/** A failure the user can act on: printed as one line, no stack trace. */
export class CliError extends Error {
  override name = 'CliError'
  readonly exitCode: number
  constructor (message: string, exitCode: number = ExitCodes.ERROR) {
    super(message)
    this.exitCode = exitCode
  }
}

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  env: Record<string, string | undefined>
}

export const processIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env })

export function printError (io: Io, err: unknown): number {
  const e = err as Error & { exitCode?: number }
  const message = e?.message ?? String(err)
  io.stderr.write(`siar: ${message}\n`)
  return typeof e?.exitCode === 'number' ? e.exitCode : ExitCodes.ERROR
}
