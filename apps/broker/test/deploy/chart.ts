import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { basename, join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { runHelm } from './helm-binary.js'

/** Repository root and the chart, resolved from this file so any cwd works. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
export const CHART_DIR = join(REPO_ROOT, 'deploy', 'helm', 'siar')
export const CI_VALUES_DIR = join(CHART_DIR, 'ci')

/** Files the chart reuses from the observability work (issue 4): symlinks in the chart. */
export const SHARED_FILES = [
  { chart: 'files/siar-alerts.yaml', source: 'deploy/prometheus/siar-alerts.yaml' },
  { chart: 'files/siar-overview.json', source: 'deploy/grafana/siar-overview.json' }
] as const

export interface OptionGroup { name: string, files: string[] }

/** The defaults plus one values file per option group. */
export function optionGroups (): OptionGroup[] {
  return [{ name: 'default values', files: [] }, ...ciValuesFiles().map((f) => ({ name: basename(f), files: [f] }))]
}

/** The values file of each option group the chart is rendered with in CI. */
export function ciValuesFiles (): string[] {
  return readdirSync(CI_VALUES_DIR).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(CI_VALUES_DIR, f))
}

export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string, namespace?: string, labels?: Record<string, string>, annotations?: Record<string, string> }
  spec?: any
  data?: Record<string, string>
  [key: string]: unknown
}

export interface Rendered {
  objects: K8sObject[]
  find: (kind: string, nameSuffix?: string) => K8sObject
  all: (kind: string) => K8sObject[]
}

export interface RenderOptions {
  valuesFiles?: string[]
  set?: Record<string, string | number | boolean>
  release?: string
  namespace?: string
}

/** `helm template` the chart; rejects with helm's own message when rendering fails. */
export async function renderChart (opts: RenderOptions = {}): Promise<Rendered> {
  const args = ['template', opts.release ?? 'demo', CHART_DIR, '--namespace', opts.namespace ?? 'mqtt']
  for (const f of opts.valuesFiles ?? []) args.push('--values', f)
  for (const [key, value] of Object.entries(opts.set ?? {})) {
    args.push(typeof value === 'string' ? '--set-string' : '--set', `${key}=${String(value)}`)
  }
  const result = await runHelm(args)
  if (result.code !== 0) throw new Error(`helm template failed (${result.code}): ${result.stderr.trim()}`)
  const objects: K8sObject[] = []
  for (const doc of parseAllDocuments(result.stdout)) {
    if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]?.message}`)
    const value = doc.toJS() as K8sObject | null
    if (value) objects.push(value)
  }
  const all = (kind: string): K8sObject[] => objects.filter((o) => o.kind === kind)
  const find = (kind: string, nameSuffix = ''): K8sObject => {
    const match = all(kind).filter((o) => nameSuffix === '' ? true : o.metadata.name.endsWith(nameSuffix))
    if (match.length !== 1) {
      throw new Error(`expected one ${kind}${nameSuffix ? ` named *${nameSuffix}` : ''}, found ${match.map((o) => o.metadata.name).join(', ') || 'none'}`)
    }
    return match[0] as K8sObject
  }
  return { objects, find, all }
}

/** The broker container of the rendered Deployment. */
export function brokerContainer (rendered: Rendered): any {
  const deployment = rendered.find('Deployment')
  const container = deployment.spec.template.spec.containers.find((c: { name: string }) => c.name === 'broker')
  if (!container) throw new Error('no broker container in the Deployment')
  return container
}

/** Container env as a name → value map (valueFrom entries map to their source object). */
export function envMap (container: any): Map<string, unknown> {
  return new Map((container.env ?? []).map((e: { name: string, value?: string, valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]))
}
