import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)

function readVersion (packageJsonPath: string): string {
  return (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: string }).version
}

// fileURLToPath, not URL.pathname: on Windows .pathname is /C:/... (and %20 for spaces), which fs cannot open.
export const VERSION: string = readVersion(fileURLToPath(new URL('../package.json', import.meta.url)))
/** The aedes release siar runs on (pinned; see docs/aedes.md). */
export const AEDES_VERSION: string = readVersion(join(dirname(require.resolve('aedes')), 'package.json'))
