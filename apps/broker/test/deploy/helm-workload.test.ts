import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '@siar/broker'
import { brokerContainer, CI_VALUES_DIR, renderChart, type Rendered } from './chart.js'

const bundled = join(CI_VALUES_DIR, 'bundled-redis-values.yaml')
const tls = join(CI_VALUES_DIR, 'tls-values.yaml')
const external = join(CI_VALUES_DIR, 'external-redis-values.yaml')

function assertHardenedContainer (what: string, sc: any): void {
  assert.equal(sc?.allowPrivilegeEscalation, false, `${what}: allowPrivilegeEscalation`)
  assert.equal(sc?.readOnlyRootFilesystem, true, `${what}: readOnlyRootFilesystem`)
  assert.deepEqual(sc?.capabilities?.drop, ['ALL'], `${what}: capabilities.drop`)
  assert.notEqual(sc?.privileged, true, `${what}: privileged`)
}

function podSpecs (rendered: Rendered): Array<{ name: string, spec: any }> {
  return [...rendered.all('Deployment'), ...rendered.all('StatefulSet')].map((o) => ({ name: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec }))
}

test('every pod runs as non-root with a read-only root filesystem, no capabilities and no service-account token', async () => {
  for (const files of [[], [bundled], [tls], [external]]) {
    const rendered = await renderChart({ valuesFiles: files })
    for (const { name, spec } of podSpecs(rendered)) {
      assert.equal(spec.securityContext.runAsNonRoot, true, `${name}: runAsNonRoot`)
      assert.ok(spec.securityContext.runAsUser > 0, `${name}: runAsUser`)
      assert.equal(spec.securityContext.seccompProfile?.type, 'RuntimeDefault', `${name}: seccompProfile`)
      assert.equal(spec.automountServiceAccountToken, false, `${name}: automountServiceAccountToken`)
      for (const c of spec.containers) assertHardenedContainer(`${name} ${c.name}`, c.securityContext)
      // A read-only root needs a writable /tmp from a volume.
      for (const c of spec.containers) {
        assert.ok(c.volumeMounts.some((m: { mountPath: string }) => m.mountPath === '/tmp'), `${name} ${c.name}: no /tmp volume`)
      }
    }
    const sa = rendered.find('ServiceAccount')
    assert.equal(sa.automountServiceAccountToken, false)
  }
})

test('the broker runs as the image user (uid 10001) and the Deployment is the workload (state lives in Redis)', async () => {
  const rendered = await renderChart({ valuesFiles: [bundled] })
  const pod = rendered.find('Deployment').spec.template.spec
  assert.equal(pod.securityContext.runAsUser, 10001)
  assert.equal(brokerContainer(rendered).securityContext.runAsUser, 10001)
  assert.equal(rendered.all('StatefulSet').length, 1, 'only the bundled Redis is a StatefulSet')
  assert.ok(rendered.find('StatefulSet').metadata.name.endsWith('-redis'))
})

test('probes: startup and liveness on /healthz, readiness on /readyz, all on the named HTTP container port', async () => {
  const rendered = await renderChart()
  const c = brokerContainer(rendered)
  const http = c.ports.find((p: { name: string }) => p.name === 'http')
  assert.equal(http.containerPort, 18083)
  assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'http' })
  assert.deepEqual(c.startupProbe.httpGet, { path: '/healthz', port: 'http' })
  assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'http' })
  // Readiness must react faster than liveness: a draining pod leaves the
  // endpoints long before anything would restart it.
  const readyAfter = c.readinessProbe.periodSeconds * c.readinessProbe.failureThreshold
  const deadAfter = c.livenessProbe.periodSeconds * c.livenessProbe.failureThreshold
  assert.ok(readyAfter < deadAfter, `readiness ${readyAfter}s vs liveness ${deadAfter}s`)
})

test('ports: every Service targets a named port of the pods it selects; TLS turns on mqtts/wss', async () => {
  for (const files of [[], [tls], [external]]) {
    const rendered = await renderChart({ valuesFiles: files })
    const deployment = rendered.find('Deployment')
    const podLabels = deployment.spec.template.metadata.labels
    const names = new Set(brokerContainer(rendered).ports.map((p: { name: string }) => p.name))
    for (const svc of rendered.all('Service').filter((s) => !s.metadata.name.endsWith('-redis'))) {
      for (const [k, v] of Object.entries(svc.spec.selector as Record<string, string>)) {
        assert.equal(podLabels[k], v, `Service ${svc.metadata.name} selects ${k}=${v}, pods have ${podLabels[k]}`)
      }
      for (const p of svc.spec.ports) assert.ok(names.has(p.targetPort), `Service ${svc.metadata.name} targets missing port ${p.targetPort}`)
    }
  }
  const plain = await renderChart()
  assert.deepEqual(plain.find('Service', '-siar').spec.ports.map((p: any) => [p.name, p.port]), [['mqtt', 1883]])
  assert.deepEqual(plain.find('Service', '-ws').spec.ports.map((p: any) => [p.name, p.port]), [['ws', 8083]])
  assert.deepEqual(plain.find('Service', '-metrics').spec.ports.map((p: any) => [p.name, p.port]), [['http', 18083]])
  const secure = await renderChart({ valuesFiles: [tls] })
  assert.deepEqual(secure.find('Service', '-siar').spec.ports.map((p: any) => [p.name, p.port, p.nodePort]), [['mqtts', 8883, 30883]])
  assert.deepEqual(secure.find('Service', '-ws').spec.ports.map((p: any) => [p.name, p.port]), [['wss', 8084]])
  assert.deepEqual(brokerContainer(secure).ports.map((p: any) => p.name).sort(), ['http', 'mqtts', 'wss'])
})

test('a config change rolls the pods (checksum/config), other changes do not touch it', async () => {
  const checksum = (r: Rendered): string => r.find('Deployment').spec.template.metadata.annotations['checksum/config']
  const base = await renderChart()
  const again = await renderChart()
  const changed = await renderChart({ set: { 'config.logLevel': 'debug' } })
  const unrelated = await renderChart({ set: { 'resources.requests.cpu': '500m' } })
  assert.match(checksum(base), /^[a-f0-9]{64}$/)
  assert.equal(checksum(again), checksum(base))
  assert.notEqual(checksum(changed), checksum(base))
  assert.equal(checksum(unrelated), checksum(base))
  assert.match(changed.find('ConfigMap').data?.['siar.yaml'] ?? '', /logLevel: debug/)
  // A different Redis rolls them too: SIAR_REDIS_URL is read at start only.
  const redisSum = (r: Rendered): string => r.find('Deployment').spec.template.metadata.annotations['checksum/redis']
  const r1 = await renderChart({ set: { 'redis.url': 'redis://a:6379' } })
  const r2 = await renderChart({ set: { 'redis.url': 'redis://b:6379' } })
  assert.notEqual(redisSum(r1), redisSum(r2))
})

test('rolling restarts: preStop sleep, then the broker drains within the grace period; surge before removing', async () => {
  const rendered = await renderChart({ valuesFiles: [bundled] })
  const deployment = rendered.find('Deployment')
  const spec = deployment.spec.template.spec
  const c = brokerContainer(rendered)
  const sleep = Number(c.lifecycle.preStop.exec.command[1])
  assert.deepEqual(c.lifecycle.preStop.exec.command, ['sleep', String(sleep)])
  assert.ok(sleep >= 1)
  const shutdownSeconds = DEFAULT_SHUTDOWN_TIMEOUT_MS / 1000
  const drainSeconds = Number(c.env.find((e: { name: string }) => e.name === 'SIAR_DRAIN_WINDOW_MS').value) / 1000
  assert.ok(drainSeconds > 0)
  assert.ok(spec.terminationGracePeriodSeconds > sleep + drainSeconds + shutdownSeconds,
    `grace ${spec.terminationGracePeriodSeconds}s <= preStop ${sleep}s + drain window ${drainSeconds}s + broker shutdown bound ${shutdownSeconds}s`)
  // The chart's own guard uses the same bound as the server.
  await assert.rejects(renderChart({ set: { terminationGracePeriodSeconds: sleep + drainSeconds + Math.ceil(shutdownSeconds) } }), /terminationGracePeriodSeconds must be longer/)
  assert.ok(await renderChart({ set: { terminationGracePeriodSeconds: sleep + drainSeconds + Math.ceil(shutdownSeconds) + 1 } }))
  assert.deepEqual(deployment.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } })
  assert.equal(deployment.spec.replicas, undefined, 'the HPA owns replicas when autoscaling is on')
  const pdb = rendered.find('PodDisruptionBudget')
  assert.equal(pdb.spec.maxUnavailable, 1)
  assert.deepEqual(pdb.spec.selector.matchLabels, deployment.spec.selector.matchLabels)
})

test('HPA on CPU and connections per pod; no PDB or HPA for a single in-memory pod', async () => {
  const rendered = await renderChart({ valuesFiles: [bundled] })
  const hpa = rendered.find('HorizontalPodAutoscaler')
  assert.equal(hpa.spec.scaleTargetRef.name, rendered.find('Deployment').metadata.name)
  assert.deepEqual(hpa.spec.metrics.map((m: any) => m.type), ['Resource', 'Pods'])
  assert.equal(hpa.spec.metrics[0].resource.name, 'cpu')
  assert.equal(hpa.spec.metrics[1].pods.metric.name, 'siar_clients_connected')
  assert.ok(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds >= 300)
  assert.ok(brokerContainer(rendered).resources.requests.cpu, 'CPU utilization needs a CPU request')
  const single = await renderChart()
  assert.equal(single.all('HorizontalPodAutoscaler').length, 0)
  assert.equal(single.all('PodDisruptionBudget').length, 0)
  assert.equal(single.find('Deployment').spec.replicas, 1)
})

test('network policies: MQTT open, HTTP only to the namespace and the monitoring selector, Redis only to brokers', async () => {
  const rendered = await renderChart({ valuesFiles: [bundled] })
  const deployment = rendered.find('Deployment')
  const brokerPolicy = rendered.find('NetworkPolicy', '-siar')
  assert.deepEqual(brokerPolicy.spec.podSelector.matchLabels, deployment.spec.selector.matchLabels)
  const portNames = new Set(brokerContainer(rendered).ports.map((p: { name: string }) => p.name))
  const [open, http] = brokerPolicy.spec.ingress
  assert.equal(open.from, undefined, 'MQTT ports are open to every client')
  assert.deepEqual(open.ports.map((p: { port: string }) => p.port), ['mqtt', 'ws'])
  assert.deepEqual(http.ports.map((p: { port: string }) => p.port), ['http'])
  assert.deepEqual(http.from, [{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }])
  for (const rule of brokerPolicy.spec.ingress) {
    for (const p of rule.ports) assert.ok(portNames.has(p.port), `policy names port ${p.port}, which the pod does not have`)
  }
  const redisPolicy = rendered.find('NetworkPolicy', '-redis')
  assert.deepEqual(redisPolicy.spec.ingress[0].from, [{ podSelector: { matchLabels: deployment.spec.selector.matchLabels } }])
  assert.equal((await renderChart()).all('NetworkPolicy').length, 0, 'off by default')
})
