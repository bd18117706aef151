import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { CHART_DIR } from './chart.js'

/**
 * The chart's values are documented once, in values.yaml (`## @section` and
 * `## @param key description` lines). The parameter tables in the chart's
 * README.md are generated from them; a test fails when they drift.
 * Regenerate: node --import tsx apps/broker/test/deploy/chart-params.ts --write
 */
export interface Param { key: string, description: string, section: string }

export const VALUES_FILE = join(CHART_DIR, 'values.yaml')
export const README_FILE = join(CHART_DIR, 'README.md')
const START = '<!-- parameters:start (generated from values.yaml; see apps/broker/test/deploy/chart-params.ts) -->'
const END = '<!-- parameters:end -->'

export function readParams (text = readFileSync(VALUES_FILE, 'utf8')): Param[] {
  const params: Param[] = []
  let section = ''
  for (const line of text.split('\n')) {
    const s = /^\s*## @section (.+)$/.exec(line)
    if (s) { section = (s[1] ?? '').trim(); continue }
    const p = /^\s*## @param (\S+) (.+)$/.exec(line)
    if (p) params.push({ key: p[1] ?? '', description: (p[2] ?? '').trim(), section })
  }
  return params
}

export function valueAt (values: unknown, key: string): unknown {
  let v: unknown = values
  for (const part of key.split('.')) {
    if (v === null || typeof v !== 'object' || !(part in v)) return undefined
    v = (v as Record<string, unknown>)[part]
  }
  return v
}

function cell (text: string): string {
  return text.replace(/\|/g, '\\|')
}

export function renderParamTables (params: Param[], values: unknown): string {
  const out: string[] = []
  let section: string | undefined
  for (const p of params) {
    if (p.section !== section) {
      section = p.section
      out.push('', `### ${section}`, '', '| Name | Description | Default |', '| --- | --- | --- |')
    }
    const v = valueAt(values, p.key)
    const shown = typeof v === 'string' ? (v === '' ? '""' : v) : JSON.stringify(v)
    out.push(`| \`${p.key}\` | ${cell(p.description)} | \`${cell(shown)}\` |`)
  }
  return out.join('\n').trim()
}

export function expectedReadmeSection (): string {
  const text = readFileSync(VALUES_FILE, 'utf8')
  return `${START}\n${renderParamTables(readParams(text), parse(text))}\n${END}`
}

export function currentReadmeSection (readme = readFileSync(README_FILE, 'utf8')): string | undefined {
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start < 0 || end < start) return undefined
  return readme.slice(start, end + END.length)
}

if (process.argv.includes('--write')) {
  const readme = readFileSync(README_FILE, 'utf8')
  const current = currentReadmeSection(readme)
  const next = current ? readme.replace(current, expectedReadmeSection()) : `${readme.trimEnd()}\n\n## Parameters\n\n${expectedReadmeSection()}\n`
  writeFileSync(README_FILE, next)
}
