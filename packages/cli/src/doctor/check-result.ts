/**
 * One line of `siar doctor` output. `info` is for what doctor cannot decide
 * (no permission to read firewall rules, a check that does not apply): it is
 * shown but does not fail the run, so the exit code means "everything checked
 * passed".
 */
export type CheckStatus = 'pass' | 'fail' | 'info'

export interface CheckResult {
  status: CheckStatus
  /** What was found, for a person: "nothing is listening on 127.0.0.1:1883". */
  message: string
  /** What to do about it, when there is something to do. */
  fix?: string
}

const MARKS: Record<CheckStatus, string> = { pass: '✓', fail: '✗', info: '·' }

export const pass = (message: string): CheckResult => ({ status: 'pass', message })
export const fail = (message: string, fix?: string): CheckResult => (fix === undefined ? { status: 'fail', message } : { status: 'fail', message, fix })
export const info = (message: string, fix?: string): CheckResult => (fix === undefined ? { status: 'info', message } : { status: 'info', message, fix })

/** `✗ what was found — what to do`, one line per check. */
export function formatCheck (check: CheckResult): string {
  return `${MARKS[check.status]} ${check.message}${check.fix ? ` — ${check.fix}` : ''}`
}
