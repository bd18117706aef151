import { execFile } from 'node:child_process'

export interface CommandOutput {
  /** False when the program is not installed (ENOENT) or could not run. */
  found: boolean
  code: number | null
  stdout: string
  stderr: string
}

/** Run a system tool, never throwing: doctor reports what it can and moves on. */
export async function runCommand (file: string, args: string[], timeoutMs = 3_000): Promise<CommandOutput> {
  return await new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, windowsHide: true, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: string | number }) | null
      if (e && (e.code === 'ENOENT' || e.code === 'EACCES')) return resolve({ found: false, code: null, stdout: '', stderr: '' })
      resolve({ found: true, code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}
