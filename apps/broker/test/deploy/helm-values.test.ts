import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { CHART_DIR } from './chart.js'
import { currentReadmeSection, expectedReadmeSection, readParams, valueAt, VALUES_FILE } from './chart-params.js'

const values = parse(readFileSync(VALUES_FILE, 'utf8')) as Record<string, unknown>
const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8'))
const params = readParams()
const documented = new Set(params.map((p) => p.key))

/** Leaf keys of values.yaml; a documented object (resources, probes) counts as one leaf. */
function leaves (obj: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = []
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (documented.has(key) || v === null || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length === 0) out.push(key)
    else out.push(...leaves(v as Record<string, unknown>, key))
  }
  return out
}

function schemaAt (key: string): any {
  let node = schema
  for (const part of key.split('.')) {
    node = node?.properties?.[part]
    if (!node) return undefined
  }
  return node
}

test('every value is documented with a ## @param line, and every @param names a real value', () => {
  assert.ok(params.length > 50)
  for (const p of params) {
    assert.notEqual(valueAt(values, p.key), undefined, `@param ${p.key} has no value in values.yaml`)
    assert.ok(p.description.length > 10, `@param ${p.key} needs a description`)
    assert.ok(p.section, `@param ${p.key} is outside any @section`)
  }
  const undocumented = leaves(values).filter((k) => !documented.has(k))
  assert.deepEqual(undocumented, [], 'values without a ## @param line')
  assert.equal(documented.size, params.length, 'a key is documented twice')
})

test('values.schema.json types every documented value, and its defaults match', () => {
  for (const p of params) {
    const node = schemaAt(p.key)
    assert.ok(node, `values.schema.json has no entry for ${p.key}`)
    assert.ok(node.description, `values.schema.json: ${p.key} has no description`)
    const v = valueAt(values, p.key)
    const types = [node.type ?? node.anyOf?.map((a: { type: string }) => a.type)].flat()
    const actual = Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v
    assert.ok(types.includes(actual), `${p.key}: default ${JSON.stringify(v)} is ${actual}, schema says ${types.join('|')}`)
    if (node.enum) assert.ok(node.enum.includes(v), `${p.key}: default ${String(v)} not in enum`)
  }
  assert.equal(schema.additionalProperties, false, 'unknown top-level values (typos) must be rejected')
})

test('camelCase keys throughout', () => {
  // Keys under free-form maps (labels, annotations, config) are the user's, not the chart's.
  const own = leaves(values).filter((k) => !/^(config|commonLabels|commonAnnotations|podLabels|podAnnotations|resources|redis\.bundled\.resources|metrics\.dashboard\.labels)\b/.test(k))
  for (const key of own) {
    for (const part of key.split('.')) assert.match(part, /^[a-z][a-zA-Z0-9]*$/, `${key} is not camelCase`)
  }
})

test('the README parameter tables are generated from values.yaml and up to date', () => {
  const current = currentReadmeSection()
  assert.ok(current, 'README.md has no generated parameters section')
  assert.equal(current, expectedReadmeSection(), 'README.md parameters drifted: node --import tsx apps/broker/test/deploy/chart-params.ts --write')
})
