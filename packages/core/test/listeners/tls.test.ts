import { test } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import mqtt, { type IClientOptions } from 'mqtt'
import { connectMqtt, getFreePort, MessageCollector, startTestBroker, waitFor, withTimeout } from '@siar/testing'
import { createTestPki, type TestPki } from './tls-fixtures.js'

let pki: TestPki

test.before(async () => { pki = await createTestPki() })
test.after(() => pki.cleanup())

async function startTlsBroker (t: { after: (fn: () => unknown) => void }, tls: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const tlsPort = await getFreePort()
  const wssPort = await getFreePort()
  const b = await startTestBroker({
    tls: { port: tlsPort, wssPort, cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, ...tls },
    ...extra
  })
  t.after(() => b.close())
  return { b, mqttsUrl: `mqtts://127.0.0.1:${tlsPort}`, wssUrl: `wss://127.0.0.1:${wssPort}/mqtt`, tlsPort }
}

/** Resolve with the negotiated protocol, or reject with the handshake error. */
function handshake (port: number, opts: ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(pki.ca), ...opts }, () => {
      const protocol = socket.getProtocol() ?? ''
      socket.destroy()
      resolve(protocol)
    })
    socket.once('error', (err) => { socket.destroy(); reject(err) })
  })
}

/**
 * Whether an MQTT connection is refused. Under TLS 1.3 the server checks the
 * client certificate after the client already considers the handshake done,
 * so a refusal can show up as an error or as a plain close before CONNACK.
 */
async function refused (url: string, opts: IClientOptions): Promise<boolean> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts })
  try {
    return await withTimeout(new Promise<boolean>((resolve) => {
      client.once('connect', () => resolve(false))
      client.once('error', () => resolve(true))
      client.once('close', () => resolve(true))
    }), `${url} to accept or refuse`, 8000)
  } finally {
    client.end(true)
  }
}

test('mqtts and wss carry MQTT, and plain listeners can be off', async (t) => {
  const { b, mqttsUrl, wssUrl } = await startTlsBroker(t, {}, { port: 0, wsPort: 0 })
  assert.deepEqual(b.broker.listeners.map((l) => l.kind).filter((k) => k !== 'http'), ['mqtts', 'wss'])
  const ca = readFileSync(pki.ca)
  const sub = await connectMqtt(mqttsUrl, { ca, rejectUnauthorized: true })
  t.after(() => sub.endAsync())
  const got = new MessageCollector(sub)
  await sub.subscribeAsync('secure/#')
  const pub = await connectMqtt(wssUrl, { ca, rejectUnauthorized: true, protocolVersion: 5 })
  t.after(() => pub.endAsync())
  await pub.publishAsync('secure/hello', 'over wss', { qos: 1 })
  assert.equal((await got.waitForTopic('secure/hello')).payload, 'over wss')
})

test('a client without a valid certificate is refused when one is required', async (t) => {
  const { mqttsUrl, wssUrl } = await startTlsBroker(t, { requireClientCert: true })
  const ca = readFileSync(pki.ca)
  const rogue = { cert: readFileSync(pki.rogueCert), key: readFileSync(pki.rogueKey) }
  assert.equal(await refused(mqttsUrl, { ca }), true, 'mqtts without a certificate')
  assert.equal(await refused(mqttsUrl, { ca, ...rogue }), true, 'mqtts with a certificate from another CA')
  assert.equal(await refused(wssUrl, { ca }), true, 'wss without a certificate')
  assert.equal(await refused(wssUrl, { ca, ...rogue }), true, 'wss with a certificate from another CA')
  assert.equal(await refused(mqttsUrl, { ca, cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) }), false, 'the control case')
  const ok = await connectMqtt(mqttsUrl, { ca, cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) })
  await ok.endAsync()
  const okWss = await connectMqtt(wssUrl, { ca, cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) })
  await okWss.endAsync()
})

test('TLS 1.1 is refused; TLS 1.2 with the same client works', async (t) => {
  const { tlsPort } = await startTlsBroker(t)
  // SECLEVEL=0 lets this client offer TLS 1.1 at all; the refusal must come from the server.
  const old: ConnectionOptions = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }
  await assert.rejects(handshake(tlsPort, old), (err: Error & { code?: string }) => {
    assert.match(`${err.code} ${err.message}`, /ALERT_PROTOCOL_VERSION|alert protocol version/i)
    return true
  })
  assert.equal(await handshake(tlsPort, { ...old, maxVersion: 'TLSv1.2' }), 'TLSv1.2')
})

test('the certificate CN is the username (ACL applies to it)', async (t) => {
  const aclFile = join(pki.dir, 'acl')
  writeFileSync(aclFile, 'user device-7\ntopic readwrite devices/device-7/#\n')
  const { mqttsUrl, wssUrl } = await startTlsBroker(t, { requireClientCert: true, certCnAsUsername: true }, { auth: { aclFile } })
  const c = await connectMqtt(mqttsUrl, { ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey), protocolVersion: 5 })
  t.after(() => c.endAsync())
  const got = new MessageCollector(c)
  await c.subscribeAsync('devices/device-7/#')
  await c.publishAsync('devices/device-7/up', 'as device-7', { qos: 1 })
  await got.waitForTopic('devices/device-7/up')
  await assert.rejects(c.publishAsync('devices/device-8/up', 'not mine', { qos: 1 }), (err: { code?: number }) => err.code === 0x87)
  // Over wss the certificate is on the upgrade request's socket: same identity.
  const w = await connectMqtt(wssUrl, { ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey), protocolVersion: 5 })
  t.after(() => w.endAsync())
  await w.publishAsync('devices/device-7/wss', 'as device-7 too', { qos: 1 })
  await got.waitForTopic('devices/device-7/wss')
  await assert.rejects(w.publishAsync('devices/device-8/up', 'not mine', { qos: 1 }), (err: { code?: number }) => err.code === 0x87)
})

test('a verified client certificate is a credential even with a password file', async (t) => {
  const passwordFile = join(pki.dir, 'passwd-empty')
  writeFileSync(passwordFile, '# nobody yet\n')
  const { mqttsUrl } = await startTlsBroker(t, {}, { auth: { passwordFile } })
  const ca = readFileSync(pki.ca)
  const c = await connectMqtt(mqttsUrl, { ca, cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) })
  await c.endAsync()
  // Optional client certificates: without one, the password file decides (anonymous refused).
  await assert.rejects(connectMqtt(mqttsUrl, { ca }), (err: { code?: number }) => err.code === 5)
  // A certificate from another CA is not verified: same as none.
  await assert.rejects(connectMqtt(mqttsUrl, { ca, cert: readFileSync(pki.rogueCert), key: readFileSync(pki.rogueKey) }), (err: { code?: number }) => err.code === 5)
})

test('reload() swaps the server certificate for new connections; open ones stay', async (t) => {
  const next = await pki.issueServer('server2', 'siar-reloaded')
  const cert = join(pki.dir, 'live.crt')
  const key = join(pki.dir, 'live.key')
  copyFileSync(pki.serverCert, cert)
  copyFileSync(pki.serverKey, key)
  const { b, mqttsUrl, tlsPort } = await startTlsBroker(t, { cert, key })
  const ca = readFileSync(pki.ca)
  const cnOf = (port: number): Promise<string> => new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca }, () => { resolve(String(s.getPeerCertificate().subject.CN)); s.destroy() })
    s.once('error', reject)
  })
  const before = await connectMqtt(mqttsUrl, { ca })
  t.after(() => before.endAsync())
  assert.equal(await cnOf(tlsPort), 'localhost')
  copyFileSync(next.cert, cert)
  copyFileSync(next.key, key)
  assert.deepEqual(await b.broker.reload(), { ok: true, errors: [] })
  assert.equal(await cnOf(tlsPort), 'siar-reloaded')
  assert.ok(before.connected)

  writeFileSync(key, 'not a key')
  const broken = await b.broker.reload()
  assert.equal(broken.ok, false)
  assert.match(broken.errors.join(), /TLS certificate .* cannot be used/)
  assert.equal(await cnOf(tlsPort), 'siar-reloaded', 'the previous certificate stays in use')
})

test('connection limits apply to TLS sockets before the handshake', async (t) => {
  const { b, mqttsUrl, wssUrl } = await startTlsBroker(t, {}, { limits: { maxConnectionsPerIp: 1 } })
  const hits: string[] = []
  b.broker.events.on('limitHit', (i) => hits.push(i.limit))
  const ca = readFileSync(pki.ca)
  const first = await connectMqtt(mqttsUrl, { ca })
  assert.equal(await refused(mqttsUrl, { ca }), true)
  assert.equal(await refused(wssUrl, { ca }), true)
  assert.deepEqual(hits, ['max_connections_per_ip', 'max_connections_per_ip'])
  await first.endAsync()
  // The slot frees once the broker sees the socket close.
  await waitFor(async () => !(await refused(wssUrl, { ca })), 'a wss connection once the first one left')
})
