import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { Redis } from 'ioredis'
import { startRedis, startTestBroker, waitFor } from '@siar/testing'
// @ts-expect-error: a plain .mjs script with no type declarations
import { DASHBOARD_PATH, renderDashboard } from '../../../../scripts/gen-grafana-dashboard.mjs'
import { metricNames, parseSamples, scrapeText } from './scrape.js'

const run = promisify(execFile)
const ALERTS_PATH = fileURLToPath(new URL('../../../../deploy/prometheus/siar-alerts.yaml', import.meta.url))

interface Rule { alert: string, expr: string, labels?: Record<string, string>, annotations?: Record<string, string> }
const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as { uid: string, templating: { list: Array<{ type: string, name: string }> }, panels: Array<{ type: string, title: string, datasource?: { uid: string }, targets?: Array<{ expr: string }> }> }
const rules = (parseYaml(readFileSync(ALERTS_PATH, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules)

/** siar_* metric names a PromQL expression refers to. */
function siarNames (expr: string): string[] {
  return [...expr.matchAll(/\bsiar_[a-zA-Z0-9_]+/g)].map((m) => m[0])
}

/** Feed text to a command's stdin; resolve with its exit code and output. */
function runWithInput (cmd: string, args: string[], input: string): Promise<{ code: number | null, output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => { output += d.toString() })
    child.stderr.on('data', (d: Buffer) => { output += d.toString() })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
    child.stdin.end(input)
  })
}

test('the committed dashboard is what scripts/gen-grafana-dashboard.mjs generates', () => {
  assert.equal(readFileSync(DASHBOARD_PATH, 'utf8'), renderDashboard(),
    'deploy/grafana/siar-overview.json drifted: run node scripts/gen-grafana-dashboard.mjs and commit it')
})

test('the dashboard has a stable uid, a datasource variable, and every query uses it', () => {
  assert.equal(dashboard.uid, 'siar-overview')
  assert.ok(dashboard.templating.list.some((v) => v.type === 'datasource' && v.name === 'datasource'))
  const queryPanels = dashboard.panels.filter((p) => p.type !== 'row')
  assert.ok(queryPanels.length >= 20)
  for (const p of queryPanels) {
    assert.equal(p.datasource?.uid, '${datasource}', `panel ${p.title}`)
    assert.ok((p.targets ?? []).length > 0, `panel ${p.title} has a query`)
  }
})

test('alert rules pass promtool check rules and each has severity, summary and description', async () => {
  const { stdout } = await run('promtool', ['check', 'rules', ALERTS_PATH])
  assert.match(stdout, new RegExp(`SUCCESS: ${rules.length} rules found`))
  const names = rules.map((r) => r.alert)
  for (const wanted of ['SiarNotReady', 'SiarRedisDown', 'SiarMessagesDropping', 'SiarAuthFailuresSpike', 'SiarEventLoopLagHigh', 'SiarMemoryNearLimit']) {
    assert.ok(names.includes(wanted), `alert ${wanted}`)
  }
  for (const r of rules) {
    assert.match(r.labels?.severity ?? '', /^(critical|warning|info)$/, `${r.alert} severity`)
    assert.ok(r.annotations?.summary, `${r.alert} summary`)
    assert.ok(r.annotations?.description, `${r.alert} description`)
  }
})

test('a live scrape (with Redis instrumented) passes promtool check metrics and has every metric the dashboard and alerts use', async (t) => {
  const redis = await startRedis()
  t.after(() => redis.stop())
  const b = await startTestBroker({ sys: { intervalSeconds: 0 } })
  t.after(() => b.close())
  const client = new Redis(redis.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 })
  t.after(() => client.disconnect())
  b.broker.metrics.instrumentRedisClient(client, 'persistence')
  await client.connect()
  assert.equal(await client.ping(), 'PONG')
  b.broker.metrics.backplaneMessage('out')

  const text = await waitFor(async () => {
    const s = await scrapeText(b.httpUrl)
    return parseSamples(s).get('siar_redis_connected{role="persistence"}') === 1 ? s : undefined
  }, 'siar_redis_connected to be 1')
  const samples = parseSamples(text)
  assert.ok((samples.get('siar_redis_command_duration_seconds_count{role="persistence"}') ?? 0) >= 1)
  assert.equal(samples.get('siar_backplane_messages_total{direction="out"}'), 1)

  const lint = await runWithInput('promtool', ['check', 'metrics'], text)
  assert.equal(lint.code, 0, `promtool check metrics:\n${lint.output}`)

  const exposed = metricNames(text)
  const used = new Map<string, string>()
  for (const p of dashboard.panels) for (const target of p.targets ?? []) for (const n of siarNames(target.expr)) used.set(n, `dashboard panel "${p.title}"`)
  for (const r of rules) for (const n of siarNames(r.expr)) used.set(n, `alert ${r.alert}`)
  assert.ok(used.size >= 25, `only ${used.size} metric names found in the dashboard and alerts`)
  const missing = [...used].filter(([name]) => !exposed.has(name)).map(([name, where]) => `${name} (${where})`)
  assert.deepEqual(missing, [], 'metrics used but not exposed')
})
