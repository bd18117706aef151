import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

function readVersion (packageJsonPath: string): string {
  return (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: string }).version
}

export const VERSION: string = readVersion(new URL('../package.json', import.meta.url).pathname)
/** The aedes release siar runs on (pinned; see docs/aedes.md). */
export const AEDES_VERSION: string = readVersion(join(dirname(require.resolve('aedes')), 'package.json'))
