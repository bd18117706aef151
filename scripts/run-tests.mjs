#!/usr/bin/env node
// Runs every *.test.ts under packages/*/test and apps/*/test with node:test
// (Node 20's --test does not expand globs), TypeScript through tsx, workspace
// packages from source (the "source" export condition). Prints node:test's own
// summary and then one plain "N passed, N failed" line.
// Usage: node scripts/run-tests.mjs [path-prefix ...]
import { spawn } from 'node:child_process'
import { readdirSync, statSync, mkdtempSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { tmpdir } from 'node:os'

const root = new URL('..', import.meta.url).pathname
const prefixes = process.argv.slice(2).map((p) => relative(root, join(process.cwd(), p)))

function findTests (dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
    const full = join(dir, name)
    if (statSync(full).isDirectory()) findTests(full, out)
    else if (name.endsWith('.test.ts')) out.push(relative(root, full))
  }
  return out
}

const files = ['packages', 'apps'].flatMap((d) => findTests(join(root, d)))
  .filter((f) => f.split('/').includes('test'))
  .filter((f) => prefixes.length === 0 || prefixes.some((p) => f.startsWith(p)))
  .sort()

if (files.length === 0) {
  console.error('no test files found')
  process.exit(1)
}

const tapDir = mkdtempSync(join(tmpdir(), 'siar-tap-'))
const tapFile = join(tapDir, 'results.tap')
const args = [
  '--conditions=source', '--import', 'tsx',
  '--test', '--test-concurrency=2', '--test-timeout=240000',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
  ...files
]
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, SIAR_TEST: '1' } })
child.on('exit', (code, signal) => {
  let pass = 0
  let fail = 0
  let skipped = 0
  try {
    const tap = readFileSync(tapFile, 'utf8')
    pass = Number(/^# pass (\d+)/m.exec(tap)?.[1] ?? 0)
    fail = Number(/^# fail (\d+)/m.exec(tap)?.[1] ?? 0)
    skipped = Number(/^# skipped (\d+)/m.exec(tap)?.[1] ?? 0)
  } catch {
    fail = fail || 1
  }
  console.log(`${pass} passed, ${fail} failed${skipped ? `, ${skipped} skipped` : ''}`)
  process.exit(code ?? (signal ? 1 : 0))
})
