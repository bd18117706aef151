import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'

export interface TarEntry {
  path: string
  /** ustar type flag: '0' file, '5' directory, '1' hard link, '2' symlink, ... */
  type: string
  body: Buffer
}

const BLOCK = 512

function field (header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length)
  const end = raw.indexOf(0)
  return raw.subarray(0, end === -1 ? length : end).toString('utf8')
}

/** `path=` from a pax extended header body ("<len> key=value\n" records). */
function paxPath (body: Buffer): string | undefined {
  for (const record of body.toString('utf8').split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(record)
    if (m) return m[1]
  }
  return undefined
}

/**
 * Every entry of a .tgz, read here rather than with `tar` so the check is the
 * same on every OS: npm pack writes ustar with pax headers for long names
 * (GNU tar's long-name entries are read too).
 */
export function readTarball (file: string): TarEntry[] {
  const data = gunzipSync(readFileSync(file))
  const entries: TarEntry[] = []
  let nextPath: string | undefined
  for (let at = 0; at + BLOCK <= data.length;) {
    const header = data.subarray(at, at + BLOCK)
    if (header.every((b) => b === 0)) break
    const size = parseInt(field(header, 124, 12).trim() || '0', 8)
    const type = field(header, 156, 1) || '0'
    const body = data.subarray(at + BLOCK, at + BLOCK + size)
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK
    if (type === 'x') { nextPath = paxPath(body); continue }
    if (type === 'L') { nextPath = body.toString('utf8').replace(/\0+$/, ''); continue } // GNU long name
    if (type === 'g') continue
    const prefix = field(header, 345, 155)
    const name = field(header, 0, 100)
    entries.push({ path: nextPath ?? (prefix ? `${prefix}/${name}` : name), type, body })
    nextPath = undefined
  }
  return entries
}

export interface CommandResult {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

/** Run a command to completion (killed after timeoutMs), with its output and wall time. */
export async function runCommand (command: string, args: string[], opts: { cwd?: string, timeoutMs: number }): Promise<CommandResult> {
  const started = Date.now()
  // npm and siar are .cmd shims on Windows, which only a shell runs; the shell
  // splits unquoted arguments at spaces.
  const win = process.platform === 'win32'
  const quoted = win ? [command, ...args].map((a) => (/[\s"]/.test(a) ? `"${a.replace(/"/g, '""')}"` : a)) : [command, ...args]
  const child = spawn(quoted[0]!, quoted.slice(1), { cwd: opts.cwd, shell: win, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const guard = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs)
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', (err) => { stderr += `spawn error: ${err.message}\n`; resolve(null) })
    child.once('close', (c) => resolve(c))
  })
  clearTimeout(guard)
  return { code, stdout, stderr, ms: Date.now() - started }
}
