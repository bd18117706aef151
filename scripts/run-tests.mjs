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

/** Run node:test over `testFiles`; resolves with the exit code and the TAP counts. */
function runNodeTest (testFiles, tapFile) {
  const args = [
    '--conditions=source', '--import', 'tsx',
    '--test', '--test-concurrency=2', '--test-timeout=240000',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...testFiles
  ]
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, SIAR_TEST: '1' } })
    child.on('exit', (code, signal) => {
      let tap = ''
      try { tap = readFileSync(tapFile, 'utf8') } catch {}
      const count = (name) => Number(new RegExp(`^# ${name} (\\d+)`, 'm').exec(tap)?.[1] ?? 0)
      resolve({ code: code ?? (signal ? 1 : 0), tap, pass: count('pass'), fail: tap ? count('fail') : 1, skipped: count('skipped') })
    })
  })
}

/** Test files named in the `location:` of failed tests. */
function failedFiles (tap) {
  const files = new Set()
  for (const m of tap.matchAll(/location: '([^']+\.test\.ts):\d+:\d+'/g)) files.add(relative(root, m[1]))
  return [...files].filter((f) => files.size <= 5 && testFilesSet.has(f))
}

const testFilesSet = new Set(files)
const first = await runNodeTest(files, join(tapDir, 'results.tap'))
let final = first
const retry = first.code !== 0 ? failedFiles(first.tap) : []
if (retry.length > 0) {
  // Many real processes share two cores here: a file that failed is run once more,
  // and both results are printed. A failure that repeats fails the run.
  console.log(`\nretrying ${retry.length} file(s) that failed: ${retry.join(', ')}`)
  const second = await runNodeTest(retry, join(tapDir, 'retry.tap'))
  const recovered = Math.max(0, first.fail - second.fail)
  final = { code: second.code, pass: first.pass + recovered, fail: second.fail, skipped: first.skipped }
  if (second.code === 0) console.log(`flaky: failed on the first run, passed on retry: ${retry.join(', ')}`)
}
console.log(`${final.pass} passed, ${final.fail} failed${final.skipped ? `, ${final.skipped} skipped` : ''}`)
process.exit(final.code)
