import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { Writable } from 'node:stream'
import { parse } from 'yaml'
import { OPTION_SOURCES, resolveConfig } from '@siar/core'
import { runServer } from '@siar/broker'
import { getFreePort } from '@siar/testing'
import { brokerContainer, ciValuesFiles, envMap, optionGroups, renderChart, type Rendered } from './chart.js'

/** Variables the server reads besides OPTION_SOURCES. */
const SERVER_ENV = new Set(['SIAR_CONFIG', 'SIAR_LOG_FORMAT'])
/** Stands in for the Redis URL the pod reads from a Secret. */
const SECRET_REDIS_URL = 'redis://redis.example:6379/0'

const groups = optionGroups()

/** What the broker process in the pod would see: plain env values, the pod name, the mounted config file. */
function podEnvironment (rendered: Rendered): { env: Record<string, string>, configFile: string } {
  const env: Record<string, string> = {}
  for (const [name, value] of envMap(brokerContainer(rendered))) {
    if (typeof value === 'string') env[name] = value
    else if (name === 'SIAR_NODE_ID') env[name] = 'demo-siar-7d9f8-abcde'
    else if (name === 'SIAR_REDIS_URL') env[name] = SECRET_REDIS_URL
  }
  const dir = mkdtempSync(join(tmpdir(), 'siar-chart-config-'))
  const configFile = join(dir, 'siar.yaml')
  writeFileSync(configFile, rendered.find('ConfigMap', '-siar').data?.['siar.yaml'] ?? '')
  return { env, configFile }
}

/** The volume mounted at the directory of `file`, if any. */
function volumeFor (rendered: Rendered, file: string): any {
  const c = brokerContainer(rendered)
  const mount = c.volumeMounts.find((m: { mountPath: string }) => file.startsWith(`${m.mountPath}/`))
  if (!mount) return undefined
  return rendered.find('Deployment').spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name)
}

test('every SIAR_* variable the chart sets is one the server reads', async () => {
  const known = new Set(OPTION_SOURCES.map((s) => s.env))
  for (const group of groups) {
    const rendered = await renderChart({ valuesFiles: group.files })
    for (const name of envMap(brokerContainer(rendered)).keys()) {
      assert.ok(known.has(name) || SERVER_ENV.has(name), `${group.name}: the chart sets ${name}, which the server does not know`)
    }
  }
})

for (const group of groups) {
  test(`the broker accepts the configuration the chart gives it: ${group.name}`, async () => {
    const rendered = await renderChart({ valuesFiles: group.files })
    const { env, configFile } = podEnvironment(rendered)
    const options = await resolveConfig({ env, configFile })
    const c = brokerContainer(rendered)
    const port = (name: string): number | undefined => c.ports.find((p: { name: string }) => p.name === name)?.containerPort
    assert.equal(options.host, '0.0.0.0')
    assert.equal(options.nodeId, 'demo-siar-7d9f8-abcde')
    assert.equal(options.httpPort, port('http'))
    assert.equal(options.port, port('mqtt') ?? 0)
    assert.equal(options.wsPort, port('ws') ?? 0)
    // Binding 0.0.0.0 needs either a password file or an explicit yes to anonymous.
    assert.ok(options.allowAnonymous || options.auth.passwordFile, 'the broker would refuse to start')
    if (options.auth.passwordFile) {
      const v = volumeFor(rendered, options.auth.passwordFile)
      assert.ok(v?.secret, `password file ${options.auth.passwordFile} is not on a Secret volume`)
      assert.equal(basename(options.auth.passwordFile), 'passwords', 'the file name is the Secret key (auth.passwordFileKey)')
    }
    if (options.auth.aclFile) assert.ok(volumeFor(rendered, options.auth.aclFile)?.configMap, 'ACL file is not on a ConfigMap volume')
    const values = parse(group.files[0] ? readFileSync(group.files[0], 'utf8') : '{}') ?? {}
    if (options.cluster.redis) {
      assert.equal(options.cluster.redis, SECRET_REDIS_URL)
      assert.equal(options.cluster.drainWindowMs, (values.lifecycle?.drainWindowSeconds ?? 5) * 1000)
      assert.deepEqual(options.cluster.sentinels, values.redis?.sentinel?.hosts ?? [])
      if (values.redis?.sentinel?.masterName) assert.equal(options.cluster.sentinelMasterName, values.redis.sentinel.masterName)
      if (values.redis?.keyPrefix) assert.equal(options.cluster.keyPrefix, values.redis.keyPrefix)
      if (options.cluster.redisPasswordFile) {
        assert.equal(volumeFor(rendered, options.cluster.redisPasswordFile)?.secret?.secretName, values.redis?.passwordSecret?.name)
      }
    }
    if (options.tls.cert) {
      assert.equal(options.tls.port, port('mqtts'))
      assert.equal(options.tls.wssPort, port('wss'))
      for (const file of [options.tls.cert, options.tls.key, options.tls.ca].filter(Boolean) as string[]) {
        assert.equal(volumeFor(rendered, file)?.secret?.secretName, 'siar-tls', `${file} is not from the TLS Secret`)
      }
    }
  })
}

test('Redis URL comes from a Secret: bundled, existing, or one the chart writes', async () => {
  const bundled = await renderChart({ valuesFiles: ciValuesFiles().filter((f) => f.includes('bundled')) })
  const ref = envMap(brokerContainer(bundled)).get('SIAR_REDIS_URL') as any
  const secret = bundled.find('Secret', '-redis')
  assert.equal(ref.secretKeyRef.name, secret.metadata.name)
  const url = Buffer.from(secret.data?.[ref.secretKeyRef.key] ?? '', 'base64').toString()
  const password = Buffer.from(secret.data?.['redis-password'] ?? '', 'base64').toString()
  assert.ok(password.length >= 32)
  assert.equal(url, `redis://:${password}@${bundled.find('Service', '-redis').metadata.name}:6379`)
  assert.equal(bundled.find('StatefulSet').spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name, secret.metadata.name)
  // The password never appears in a manifest in clear text.
  assert.ok(!JSON.stringify(bundled.objects).includes(password))

  const existing = await renderChart({ valuesFiles: ciValuesFiles().filter((f) => f.includes('external')) })
  assert.deepEqual((envMap(brokerContainer(existing)).get('SIAR_REDIS_URL') as any).secretKeyRef, { name: 'siar-redis', key: 'url' })
  assert.equal(existing.all('Secret').length, 0, 'an existing Secret is used, not copied')

  const byUrl = await renderChart({ set: { 'redis.url': 'redis://user:pw@redis.example:6379/2' } })
  const s = byUrl.find('Secret', '-redis')
  assert.equal(Buffer.from(s.data?.['redis-url'] ?? '', 'base64').toString(), 'redis://user:pw@redis.example:6379/2')
})

test('the chart\'s probes answer 200 on a real broker started with the chart\'s configuration', async (t) => {
  const rendered = await renderChart()
  const { env, configFile } = podEnvironment(rendered)
  const httpPort = await getFreePort()
  // Same settings, but loopback only and free ports: tests never bind other addresses.
  Object.assign(env, { SIAR_HOST: '127.0.0.1', SIAR_PORT: String(await getFreePort()), SIAR_WS_PORT: String(await getFreePort()), SIAR_HTTP_PORT: String(httpPort) })
  const sink = new Writable({ write (_chunk, _enc, done) { done() } })
  const server = await runServer({ env, configFile, handleSignals: false, stdout: sink, stderr: sink })
  assert.ok(server, 'the server did not start')
  t.after(() => server.stop())
  const c = brokerContainer(rendered)
  for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
    const res = await fetch(`http://127.0.0.1:${httpPort}${probe.httpGet.path}`)
    assert.equal(res.status, 200, `${probe.httpGet.path} answered ${res.status}`)
  }
  // Draining: readiness must turn 503 so the Service stops routing new clients here.
  const stopping = server.stop('SIGTERM')
  assert.equal(server.broker.readiness().ready, false)
  await stopping
})
