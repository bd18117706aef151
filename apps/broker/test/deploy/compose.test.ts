import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parse } from 'yaml'
import { OPTION_SOURCES, resolveConfig } from '@siar/core'
import { REPO_ROOT } from './chart.js'
import { envOf, parseDockerfile, stagesOf } from './dockerfile.js'

const COMPOSE_DIR = join(REPO_ROOT, 'deploy/compose')
const compose = parse(readFileSync(join(COMPOSE_DIR, 'compose.yaml'), 'utf8'), { merge: true })
const services = compose.services as Record<string, any>
const nodes = Object.keys(services).filter((name) => /^siar-\d+$/.test(name)).sort()

/** Bind mounts as { source (absolute, on the host), target (in the container) }. */
function mounts (service: any): Array<{ source: string, target: string }> {
  return (service.volumes ?? []).map((v: string) => {
    const [source = '', target = ''] = v.split(':')
    return { source: resolve(COMPOSE_DIR, source), target }
  })
}

function parsePort (spec: string): { host: number, container: number, address?: string } {
  const parts = spec.split(':')
  return { address: parts.length === 3 ? parts[0] : undefined, host: Number(parts.at(-2)), container: Number(parts.at(-1)) }
}

test('three broker nodes, Redis, Prometheus and Grafana', () => {
  assert.deepEqual(nodes, ['siar-1', 'siar-2', 'siar-3'])
  for (const name of ['redis', 'prometheus', 'grafana']) assert.ok(services[name], `no ${name} service`)
})

test('every node is built from deploy/docker/Dockerfile, has its own node id and shares the Redis service', () => {
  const ids = new Set<string>()
  const knownEnv = new Set([...OPTION_SOURCES.map((s) => s.env), 'SIAR_CONFIG', 'SIAR_LOG_FORMAT', 'SIAR_REDIS_URL'])
  for (const name of nodes) {
    const s = services[name]
    assert.ok(existsSync(join(resolve(COMPOSE_DIR, s.build.context), s.build.dockerfile)), `${name}: Dockerfile not found`)
    assert.equal(resolve(COMPOSE_DIR, s.build.context), resolve(REPO_ROOT), `${name}: build context is not the repository root`)
    assert.equal(s.environment.SIAR_NODE_ID, name)
    ids.add(s.environment.SIAR_NODE_ID)
    assert.equal(new URL(s.environment.SIAR_REDIS_URL).hostname, 'redis')
    assert.equal(s.depends_on.redis.condition, 'service_healthy')
    for (const key of Object.keys(s.environment)) assert.ok(knownEnv.has(key), `${name}: ${key} is not a siar setting`)
    assert.equal(s.read_only, true)
    assert.deepEqual(s.cap_drop, ['ALL'])
  }
  assert.equal(ids.size, nodes.length)
  assert.ok(services.redis.healthcheck, 'depends_on service_healthy needs a Redis healthcheck')
})

test('the server accepts each node\'s environment on top of the image defaults', async () => {
  const { instructions } = parseDockerfile(join(REPO_ROOT, 'deploy/docker/Dockerfile'))
  const imageEnv = envOf(stagesOf(instructions).at(-1)!)
  for (const name of nodes) {
    const env = { ...imageEnv, ...services[name].environment, SIAR_CONFIG: join(REPO_ROOT, 'deploy/docker/siar.yaml') }
    const options = await resolveConfig({ env })
    assert.equal(options.nodeId, name)
    assert.equal(options.host, '0.0.0.0')
    assert.equal(options.cluster.redis, 'redis://redis:6379')
    assert.equal(options.allowAnonymous, true, 'the laptop cluster accepts anonymous clients on purpose')
  }
})

test('published ports are unique, on 127.0.0.1, and reach the broker\'s listeners', () => {
  const hostPorts = new Set<number>()
  for (const [name, s] of Object.entries(services)) {
    for (const spec of s.ports ?? []) {
      const p = parsePort(String(spec))
      assert.equal(p.address, '127.0.0.1', `${name}: ${spec} is published on every interface`)
      assert.ok(!hostPorts.has(p.host), `host port ${p.host} is published twice`)
      hostPorts.add(p.host)
    }
  }
  for (const name of nodes) {
    const containerPorts = services[name].ports.map((spec: string) => parsePort(spec).container).sort((a: number, b: number) => a - b)
    assert.deepEqual(containerPorts, [1883, 8083, 18083], `${name} publishes other ports than the image's MQTT, WebSocket and HTTP`)
  }
})

test('every mounted file or folder exists in the repository', () => {
  for (const [name, s] of Object.entries(services)) {
    for (const m of mounts(s)) assert.ok(existsSync(m.source), `${name}: ${m.source} does not exist`)
  }
  const grafana = mounts(services.grafana)
  const dashboards = grafana.find((m) => m.target === '/var/lib/grafana/dashboards/siar')
  assert.ok(dashboards && statSync(dashboards.source).isDirectory())
  assert.ok(existsSync(join(dashboards.source, 'siar-overview.json')))
  assert.equal(services.grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH, `${dashboards.target}/siar-overview.json`)
})

test('Grafana is provisioned with the Prometheus data source and the dashboard folder it mounts', () => {
  const provisioning = mounts(services.grafana).find((m) => m.target === '/etc/grafana/provisioning')
  assert.ok(provisioning)
  const ds = parse(readFileSync(join(provisioning.source, 'datasources/prometheus.yaml'), 'utf8'))
  assert.equal(ds.datasources[0].type, 'prometheus')
  assert.equal(new URL(ds.datasources[0].url).hostname, 'prometheus')
  assert.equal(new URL(ds.datasources[0].url).port, String(parsePort(services.prometheus.ports[0]).container))
  const providers = parse(readFileSync(join(provisioning.source, 'dashboards/siar.yaml'), 'utf8'))
  assert.equal(providers.providers[0].options.path, '/var/lib/grafana/dashboards/siar')
})

test('Prometheus scrapes every node on its HTTP port and loads siar\'s alert rules (promtool check config)', async (t) => {
  const config = mounts(services.prometheus)
  const main = config.find((m) => m.target === '/etc/prometheus/prometheus.yml')
  assert.ok(main)
  const prom = parse(readFileSync(main.source, 'utf8'))
  const targets = prom.scrape_configs.flatMap((sc: any) => sc.static_configs.flatMap((c: any) => c.targets)).sort()
  assert.deepEqual(targets, nodes.map((n) => `${n}:18083`))
  assert.equal(prom.scrape_configs[0].metrics_path, '/metrics')
  const rules = config.find((m) => m.target.startsWith('/etc/prometheus/rules/'))
  assert.equal(rules?.source, join(REPO_ROOT, 'deploy/prometheus/siar-alerts.yaml'))

  // Lay the mounts out as the container sees them and let Prometheus' own checker read them.
  const root = mkdtempSync(join(tmpdir(), 'siar-compose-prom-'))
  for (const m of config) {
    const dest = join(root, m.target)
    mkdirSync(dirname(dest), { recursive: true })
    copyFileSync(m.source, dest)
  }
  const result = await new Promise<{ code: number | string, out: string }>((resolvePromise) => {
    execFile('promtool', ['check', 'config', join(root, 'etc/prometheus/prometheus.yml')], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolvePromise({ code: err ? (err.code ?? 1) : 0, out: stdout + stderr })
    })
  })
  if (result.code === 'ENOENT') return t.skip('promtool is not installed (Debian package prometheus; .ci/run installs it)')
  assert.equal(result.code, 0, result.out)
  assert.match(result.out, /SUCCESS: 1 rule files found/)
})
