import { test } from 'node:test'
import assert from 'node:assert/strict'
import { lstatSync, readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { CHART_DIR, CI_VALUES_DIR, REPO_ROOT, renderChart, SHARED_FILES } from './chart.js'

const values = [join(CI_VALUES_DIR, 'service-monitor-values.yaml')]

test('the chart reuses deploy/prometheus and deploy/grafana: its files are links to them, not copies', () => {
  for (const f of SHARED_FILES) {
    const inChart = join(CHART_DIR, f.chart)
    assert.ok(lstatSync(inChart).isSymbolicLink(), `${f.chart} should be a symlink to ${f.source}`)
    assert.equal(realpathSync(inChart), realpathSync(join(REPO_ROOT, f.source)))
    assert.equal(readFileSync(inChart, 'utf8'), readFileSync(join(REPO_ROOT, f.source), 'utf8'))
  }
})

test('PrometheusRule carries exactly the rule groups of deploy/prometheus/siar-alerts.yaml', async () => {
  const rendered = await renderChart({ valuesFiles: values })
  const rule = rendered.find('PrometheusRule')
  const source = parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/siar-alerts.yaml'), 'utf8'))
  assert.deepEqual(rule.spec, source)
  const alerts = rule.spec.groups.flatMap((g: { rules: Array<{ alert?: string }> }) => g.rules.map((r) => r.alert)).filter(Boolean)
  assert.ok(alerts.includes('SiarNotReady'), `alerts: ${alerts.join(', ')}`)
  // Helm must not have tried to expand Prometheus' own {{ $labels.x }} templates.
  assert.match(JSON.stringify(rule.spec), /\{\{ \$labels\.instance \}\}/)
})

test('the Grafana dashboard ConfigMap holds deploy/grafana/siar-overview.json for the sidecar', async () => {
  const rendered = await renderChart({ valuesFiles: values })
  const cm = rendered.find('ConfigMap', '-dashboard')
  assert.equal(cm.metadata.labels?.grafana_dashboard, '1')
  assert.equal(cm.metadata.annotations?.grafana_folder, 'siar')
  const source = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy/grafana/siar-overview.json'), 'utf8'))
  assert.deepEqual(JSON.parse(cm.data?.['siar-overview.json'] ?? ''), source)
  // ConfigMaps hold at most 1 MiB.
  assert.ok(Buffer.byteLength(cm.data?.['siar-overview.json'] ?? '') < 1024 * 1024)
})

test('the ServiceMonitor scrapes /metrics on the metrics Service only', async () => {
  const rendered = await renderChart({ valuesFiles: values })
  const sm = rendered.find('ServiceMonitor')
  assert.equal(sm.metadata.labels?.release, 'kube-prometheus-stack')
  const selected = rendered.all('Service').filter((svc) =>
    Object.entries(sm.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => svc.metadata.labels?.[k] === v))
  assert.deepEqual(selected.map((s) => s.metadata.name), [rendered.find('Service', '-metrics').metadata.name])
  assert.deepEqual(sm.spec.endpoints.map((e: any) => [e.port, e.path]), [['http', '/metrics']])
  assert.deepEqual(sm.spec.namespaceSelector.matchNames, ['mqtt'])
  assert.ok(selected[0]?.spec.ports.some((p: { name: string }) => p.name === 'http'))
})

test('monitoring objects are off by default (no CRDs needed for a plain install)', async () => {
  const rendered = await renderChart()
  for (const kind of ['ServiceMonitor', 'PrometheusRule']) assert.equal(rendered.all(kind).length, 0, kind)
  assert.equal(rendered.all('ConfigMap').length, 1, 'only the broker config')
})
