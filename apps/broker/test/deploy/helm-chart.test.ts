import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runHelm } from './helm-binary.js'
import { CHART_DIR, optionGroups, renderChart } from './chart.js'
import { validateManifest } from './k8s-schemas.js'

// Each option group of the chart (deploy/helm/siar/ci/*.yaml) plus the defaults.
const groups = optionGroups()

test('the chart has a values file for each option group', () => {
  const names = groups.map((g) => g.name)
  for (const group of ['service-monitor-values.yaml', 'bundled-redis-values.yaml', 'tls-values.yaml', 'external-redis-values.yaml']) {
    assert.ok(names.includes(group), `missing ci/${group}`)
  }
})

for (const group of groups) {
  test(`helm lint --strict: ${group.name}`, async () => {
    const args = ['lint', '--strict', CHART_DIR, ...group.files.flatMap((f) => ['--values', f])]
    const r = await runHelm(args)
    assert.equal(r.code, 0, `helm ${args.join(' ')}\n${r.stdout}\n${r.stderr}`)
    assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/)
    assert.doesNotMatch(r.stdout, /\[(WARNING|ERROR)\]/)
  })

  test(`helm template renders manifests valid against the Kubernetes schemas: ${group.name}`, async () => {
    const rendered = await renderChart({ valuesFiles: group.files })
    assert.ok(rendered.objects.length >= 5, `only ${rendered.objects.length} objects rendered`)
    for (const obj of rendered.objects) {
      await validateManifest(obj)
      assert.equal(obj.metadata.namespace, 'mqtt', `${obj.kind}/${obj.metadata.name} has no namespace`)
      assert.equal(obj.metadata.labels?.['app.kubernetes.io/instance'], 'demo', `${obj.kind}/${obj.metadata.name} lacks the instance label`)
      assert.equal(obj.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm')
    }
    const names = rendered.objects.map((o) => `${o.kind}/${o.metadata.name}`)
    assert.equal(new Set(names).size, names.length, `duplicate objects: ${names.join(', ')}`)
  })
}

test('the schema validator is not a rubber stamp: a wrong type is reported', async () => {
  const rendered = await renderChart()
  const deployment = structuredClone(rendered.find('Deployment'))
  deployment.spec.template.spec.containers[0].ports[0].containerPort = 'mqtt'
  await assert.rejects(validateManifest(deployment), /containerPort must be integer/)
})

test('values.schema.json rejects unknown keys and wrong types', async () => {
  await assert.rejects(renderChart({ set: { replicas: 3 } }), /additional properties 'replicas' not allowed/)
  await assert.rejects(renderChart({ set: { 'service.mqtt.type': 'Ingress' } }), /service\/mqtt\/type/)
  await assert.rejects(renderChart({ set: { 'redis.url': 'http://redis:6379' } }), /redis\/url/)
})

test('combinations that cannot work are refused with a message that says what to set', async () => {
  await assert.rejects(renderChart({ set: { replicaCount: 3 } }), /more than one broker pod needs shared state in Redis: set redis\.url/)
  await assert.rejects(renderChart({ set: { 'autoscaling.enabled': true } }), /needs shared state in Redis/)
  await assert.rejects(renderChart({ set: { 'redis.bundled.enabled': true, 'redis.url': 'redis://r:6379' } }), /choose one Redis/)
  await assert.rejects(renderChart({ set: { 'service.mqtt.type': 'LoadBalancer' } }), /allowAnonymous=true with a LoadBalancer or NodePort Service/)
  await assert.rejects(renderChart({ set: { 'auth.allowAnonymous': false } }), /needs a password file/)
  await assert.rejects(renderChart({ set: { 'tls.enabled': true } }), /tls\.enabled=true needs tls\.existingSecret/)
  await assert.rejects(renderChart({ set: { terminationGracePeriodSeconds: 8 } }), /terminationGracePeriodSeconds must be longer/)
  // ...and the explicit opt-in is honoured.
  const open = await renderChart({ set: { 'service.mqtt.type': 'LoadBalancer', 'auth.allowAnonymousOnPublicService': true } })
  assert.equal(open.find('Service', '-siar').spec.type, 'LoadBalancer')
})

test('NOTES.txt renders for every option group and tells the truth about auth, state and TLS', async () => {
  const notes = async (files: string[]): Promise<string> => {
    const r = await runHelm(['install', 'demo', CHART_DIR, '--dry-run=client', '--namespace', 'mqtt', ...files.flatMap((f) => ['--values', f])])
    assert.equal(r.code, 0, r.stderr)
    const text = r.stdout.slice(r.stdout.indexOf('NOTES:'))
    assert.ok(text.startsWith('NOTES:'), 'no NOTES in the output')
    return text
  }
  const byName = Object.fromEntries(await Promise.all(groups.map(async (g) => [g.name, await notes(g.files)] as const)))
  assert.match(byName['default values']!, /WARNING: anonymous clients are allowed/)
  assert.match(byName['default values']!, /in memory, single node/)
  assert.match(byName['bundled-redis-values.yaml']!, /bundled single-instance Redis .* not for production/)
  assert.doesNotMatch(byName['external-redis-values.yaml']!, /WARNING/)
  assert.match(byName['tls-values.yaml']!, /mqtts:\/\/demo-siar\.mqtt\.svc:8883/)
  assert.doesNotMatch(byName['tls-values.yaml']!, /mqtt:\/\/demo-siar/, 'TLS-only install must not advertise plain MQTT')
})
