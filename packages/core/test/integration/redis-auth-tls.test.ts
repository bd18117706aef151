import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRedis, startBrokerCluster, connectMqtt, MessageCollector, getFreePort, type BrokerCluster } from '@siar/testing'
import { createTestPki } from '../listeners/tls-fixtures.js'

// How a production Redis is reached: a password from a file (a Kubernetes
// Secret mount) and TLS (rediss://) with a private CA.

async function crossNodeRoundTrip (cluster: BrokerCluster, topic: string): Promise<string | undefined> {
  const sub = await connectMqtt(cluster.nodes[1]!.mqttUrl)
  const got = new MessageCollector(sub)
  await sub.subscribeAsync(topic, { qos: 1 })
  const pub = await connectMqtt(cluster.nodes[0]!.mqttUrl)
  await pub.publishAsync(topic, 'through Redis', { qos: 1 })
  const [m] = await got.waitForCount(1)
  await Promise.all([sub.endAsync(), pub.endAsync()])
  return m?.payload
}

test('--redis-password-file: the password comes from the file; a wrong one stops start-up at once, without printing it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-redis-pw-'))
  const redis = await startRedis({ args: ['--requirepass', 'from-the-file-7'] })
  t.after(async () => {
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const good = join(dir, 'password')
  writeFileSync(good, 'from-the-file-7\n')
  const cluster = await startBrokerCluster({ nodes: 2, redisUrl: redis.url, idPrefix: 'pw', args: ['--redis-password-file', good] })
  t.after(() => cluster.stop())
  assert.equal(await crossNodeRoundTrip(cluster, 'pw/t'), 'through Redis')

  const bad = join(dir, 'wrong')
  writeFileSync(bad, 'not-the-password-3\n')
  const started = Date.now()
  const failure = await startBrokerCluster({ nodes: 1, redisUrl: redis.url, idPrefix: 'pwbad', args: ['--redis-password-file', bad] })
    .then(async (c) => { await c.stop(); return undefined }, (err: Error) => err.message)
  assert.ok(failure, 'a wrong password must not give a ready node')
  assert.match(failure, /refused the credentials/)
  assert.doesNotMatch(failure, /not-the-password-3/, 'the password is never printed')
  assert.ok(Date.now() - started < 10_000, `gave up after ${Date.now() - started} ms, not after the 15 s start-up timeout`)
})

test('rediss:// with a private CA (NODE_EXTRA_CA_CERTS): nodes talk to Redis over TLS', async (t) => {
  const pki = await createTestPki()
  const tlsPort = await getFreePort()
  const redis = await startRedis({
    args: ['--tls-port', String(tlsPort), '--tls-cert-file', pki.serverCert, '--tls-key-file', pki.serverKey, '--tls-ca-cert-file', pki.ca, '--tls-auth-clients', 'no']
  })
  t.after(async () => {
    await redis.stop()
    pki.cleanup()
  })
  const cluster = await startBrokerCluster({ nodes: 2, redisUrl: `rediss://127.0.0.1:${tlsPort}`, idPrefix: 'tls', env: { NODE_EXTRA_CA_CERTS: pki.ca } })
  t.after(() => cluster.stop())
  assert.equal(await crossNodeRoundTrip(cluster, 'tls/t'), 'through Redis')
})
