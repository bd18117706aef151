import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

test('docs/configuration.md matches the options schema and flag table', () => {
  const script = fileURLToPath(new URL('../../../scripts/gen-config-docs.mjs', import.meta.url))
  const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' })
  assert.match(out, /up to date/)
})
