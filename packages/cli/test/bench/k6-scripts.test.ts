import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { SCENARIOS, SCENARIO_NAMES } from '../../src/bench/scenario-table.js'
import { createPayload, writeHeader } from '../../src/bench/payload.js'

// k6 cannot run here (no binary on npm or Debian): the scripts are type-checked
// against @types/k6 and our declaration of the xk6-mqtt module, and their shapes
// are held equal to `siar bench`'s.

const loadTests = fileURLToPath(new URL('../../../../load-tests/', import.meta.url))
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const SCRIPTS = { 'conn-ramp.js': 'conn', 'fanin.js': 'fanin', 'fanout.js': 'fanout', 'reqres.js': 'reqres' } as const

test('the k6 shapes table equals siar bench\'s scenario table', async () => {
  const { SHAPES } = await import(join(loadTests, 'k6/lib/shapes.js')) as { SHAPES: Record<string, unknown> }
  assert.deepEqual(Object.keys(SHAPES).sort(), [...SCENARIO_NAMES].sort())
  for (const name of SCENARIO_NAMES) {
    const { summary: _summary, ...shape } = SCENARIOS[name]
    assert.deepEqual(SHAPES[name], shape, `shape of ${name}`)
  }
})

test('each k6 script runs the siar bench scenario of the same shape', () => {
  for (const [file, scenario] of Object.entries(SCRIPTS)) {
    const text = readFileSync(join(loadTests, 'k6', file), 'utf8')
    assert.match(text, new RegExp(`shapeFromEnv\\('${scenario}'\\)`), `${file} uses the ${scenario} shape`)
    assert.match(text, /thresholds: \{/, `${file} has thresholds`)
    assert.match(text, /from 'k6\/x\/mqtt'|from '\.\/lib\/roles\.js'/, `${file} uses the xk6-mqtt client`)
  }
})

test('k6 payloads carry the same header bytes as siar bench payloads', async () => {
  const { encode, decode } = await import(join(loadTests, 'k6/lib/payload.js')) as {
    encode: (size: number, h: object) => ArrayBuffer
    decode: (b: ArrayBuffer) => object | undefined
  }
  const header = { runId: 7, publisherId: 3, seq: 99, scheduledUs: 1_700_000_000_000_000, sentUs: 1_700_000_000_000_250 }
  const fromK6 = Buffer.from(encode(64, header))
  const fromBench = writeHeader(createPayload(64), header)
  assert.deepEqual(fromK6.subarray(0, 28), fromBench.subarray(0, 28))
  assert.deepEqual(decode(encode(28, header)), header)
})

test('the k6 scripts type-check with @types/k6', () => {
  const r = spawnSync(process.execPath, [tsc, '-p', join(loadTests, 'tsconfig.json')], { encoding: 'utf8', timeout: 60_000 })
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`)
})

test('the type-check catches a script that misuses the xk6-mqtt client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-k6-check-'))
  writeFileSync(join(dir, 'bad.js'), "import { Client } from 'k6/x/mqtt'\nexport default function () {\n  const c = new Client({ client_id: 'x' })\n  c.publish(42, 'payload', { qos: 3 })\n}\n")
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: join(loadTests, 'tsconfig.json'), compilerOptions: { typeRoots: [join(loadTests, '../node_modules/@types')] }, include: [join(dir, 'bad.js'), join(loadTests, 'types/*.d.ts')] }))
  const r = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', timeout: 60_000 })
  assert.notEqual(r.status, 0)
  assert.match(r.stdout, /bad\.js\(4,/)
})
