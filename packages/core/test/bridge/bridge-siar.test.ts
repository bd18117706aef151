import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { connectMqtt, getFreePort, MessageCollector, startTestBroker, waitFor, type TestBroker } from '@siar/testing'
import type { BrokerOptionsInput } from '@siar/core'
import { createTestPki, type TestPki } from '../listeners/tls-fixtures.js'

let pki: TestPki
test.before(async () => { pki = await createTestPki() })
test.after(() => pki.cleanup())

type After = { after: (fn: () => unknown) => void }

/** The remote: a siar that only takes clients with a certificate from the test CA. */
async function startRemote (t: After): Promise<{ remote: TestBroker, mqttsUrl: string }> {
  const tlsPort = await getFreePort()
  const remote = await startTestBroker({
    tls: { port: tlsPort, wssPort: 0, cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requireClientCert: true }
  })
  t.after(() => remote.close())
  return { remote, mqttsUrl: `mqtts://127.0.0.1:${tlsPort}` }
}

async function startLocal (t: After, bridge: Record<string, unknown>): Promise<TestBroker> {
  const local = await startTestBroker({ bridges: [bridge] } as BrokerOptionsInput)
  t.after(() => local.close())
  await waitFor(() => local.broker.readiness().bridges?.[0]?.connected, 'the bridge to connect', 15_000)
  return local
}

function tlsBridge (mqttsUrl: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'cloud',
    url: mqttsUrl,
    clientId: 'site-1',
    tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey },
    ...extra
  }
}

for (const protocolVersion of [4, 5] as const) {
  test(`mutual TLS bridge, MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}: out and in with prefixes`, async (t) => {
    const { remote, mqttsUrl } = await startRemote(t)
    const local = await startLocal(t, tlsBridge(mqttsUrl, {
      protocolVersion,
      topics: [
        { pattern: 'sensors/#', direction: 'out', qos: 1, localPrefix: 'site/', remotePrefix: 'site-1/up/' },
        { pattern: '+/cmd', direction: 'in', qos: 1, localPrefix: 'site/', remotePrefix: 'site-1/down/' }
      ]
    }))
    assert.equal(local.broker.readiness().ready, true)

    const remoteSub = await connectMqtt(remote.mqttUrl)
    t.after(() => remoteSub.endAsync())
    const atRemote = new MessageCollector(remoteSub)
    await remoteSub.subscribeAsync('#', { qos: 1 })
    const localSub = await connectMqtt(local.mqttUrl)
    t.after(() => localSub.endAsync())
    const atLocal = new MessageCollector(localSub)
    await localSub.subscribeAsync('site/#', { qos: 1 })

    const localPub = await connectMqtt(local.mqttUrl)
    t.after(() => localPub.endAsync())
    await localPub.publishAsync('site/sensors/1/temp', '21.5', { qos: 1 })
    await localPub.publishAsync('site/other/x', 'stays here', { qos: 1 })
    const up = await atRemote.waitForTopic('site-1/up/sensors/1/temp')
    assert.equal(up.payload, '21.5')
    assert.equal(up.qos, 1)

    const remotePub = await connectMqtt(remote.mqttUrl)
    t.after(() => remotePub.endAsync())
    await remotePub.publishAsync('site-1/down/lamp/cmd', 'on', { qos: 1 })
    await remotePub.publishAsync('site-1/down/lamp/state', 'not bridged', { qos: 1 })
    const down = await atLocal.waitForTopic('site/lamp/cmd')
    assert.equal(down.payload, 'on')

    // A marker after everything else: by then the unbridged ones would have arrived.
    await localPub.publishAsync('site/sensors/end', 'end', { qos: 1 })
    await atRemote.waitForTopic('site-1/up/sensors/end')
    assert.deepEqual(atRemote.messages.map((m) => m.topic).filter((x) => x.startsWith('site-1/up/')),
      ['site-1/up/sensors/1/temp', 'site-1/up/sensors/end'])
    assert.equal(atLocal.messages.filter((m) => m.topic === 'site/lamp/state').length, 0)
    const state = local.broker.readiness().bridges?.[0]
    assert.equal(state?.role, 'owner')
    assert.equal(state?.messagesIn, 1)
    assert.equal(state?.messagesOut, 2)
  })
}

test('no loop when both directions share a topic (MQTT 5 no-local on the remote)', async (t) => {
  const { remote, mqttsUrl } = await startRemote(t)
  const local = await startLocal(t, tlsBridge(mqttsUrl, {
    protocolVersion: 5,
    topics: [{ pattern: 'shared/#', direction: 'both', qos: 1 }]
  }))
  const localSub = await connectMqtt(local.mqttUrl)
  t.after(() => localSub.endAsync())
  const atLocal = new MessageCollector(localSub)
  await localSub.subscribeAsync('shared/#', { qos: 1 })
  const remoteSub = await connectMqtt(remote.mqttUrl)
  t.after(() => remoteSub.endAsync())
  const atRemote = new MessageCollector(remoteSub)
  await remoteSub.subscribeAsync('shared/#', { qos: 1 })

  const localPub = await connectMqtt(local.mqttUrl)
  t.after(() => localPub.endAsync())
  const remotePub = await connectMqtt(remote.mqttUrl)
  t.after(() => remotePub.endAsync())
  await localPub.publishAsync('shared/a', 'from local', { qos: 1 })
  await remotePub.publishAsync('shared/b', 'from remote', { qos: 1 })
  await atRemote.waitForTopic('shared/a')
  await atLocal.waitForTopic('shared/b')
  // Markers sent through the same bridge afterwards, both ways: any echo of
  // a or b would have come back before them.
  await localPub.publishAsync('shared/end-out', 'x', { qos: 1 })
  await remotePub.publishAsync('shared/end-in', 'x', { qos: 1 })
  await atRemote.waitForTopic('shared/end-out')
  await atLocal.waitForTopic('shared/end-in')
  await waitFor(() => local.broker.readiness().bridges?.[0]?.messagesOut === 2, 'both outbound acks')
  const count = (c: MessageCollector, topic: string): number => c.messages.filter((m) => m.topic === topic).length
  assert.deepEqual([count(atLocal, 'shared/a'), count(atLocal, 'shared/b')], [1, 1], 'each message once on the local side')
  assert.deepEqual([count(atRemote, 'shared/a'), count(atRemote, 'shared/b')], [1, 1], 'each message once on the remote side')
  const state = local.broker.readiness().bridges?.[0]
  assert.equal(state?.messagesIn, 2)
  assert.equal(state?.messagesOut, 2)
})

test('a client certificate from another CA is refused; the bridge reports it and the node stays ready', async (t) => {
  const { mqttsUrl } = await startRemote(t)
  const local = await startTestBroker({
    bridges: [{
      ...tlsBridge(mqttsUrl, { topics: [{ pattern: '#', direction: 'out' }] }),
      tls: { ca: pki.ca, cert: pki.rogueCert, key: pki.rogueKey },
      reconnectMinMs: 200
    }]
  } as BrokerOptionsInput)
  t.after(() => local.close())
  await waitFor(() => local.broker.readiness().bridges?.[0]?.lastError, 'a connection error to be reported', 10_000)
  const r = local.broker.readiness()
  assert.equal(r.ready, true)
  assert.equal(r.bridges?.[0]?.connected, false)
  const res = await fetch(`${local.httpUrl}/readyz`)
  assert.equal(res.status, 200)
  const body = await res.json() as { bridges: Array<{ name: string, connected: boolean, remote: string }> }
  assert.equal(body.bridges[0]?.name, 'cloud')
  assert.equal(body.bridges[0]?.connected, false)
  assert.ok(readFileSync(pki.rogueCert).length > 0)
})

test('over WebSocket (ws://): out and in, MQTT 5 properties carried', async (t) => {
  const remote = await startTestBroker()
  t.after(() => remote.close())
  const local = await startLocal(t, {
    name: 'ws',
    url: remote.wsUrl,
    protocolVersion: 5,
    topics: [{ pattern: 'w/#', direction: 'out', qos: 1 }, { pattern: 'r/#', direction: 'in', qos: 1 }]
  })
  const remoteSub = await connectMqtt(remote.mqttUrl)
  t.after(() => remoteSub.endAsync())
  const atRemote = new MessageCollector(remoteSub)
  await remoteSub.subscribeAsync('w/#', { qos: 1 })
  const localSub = await connectMqtt(local.mqttUrl, { protocolVersion: 5 })
  t.after(() => localSub.endAsync())
  const atLocal = new MessageCollector(localSub)
  await localSub.subscribeAsync('r/#', { qos: 1 })
  const pub = await connectMqtt(local.mqttUrl)
  t.after(() => pub.endAsync())
  await pub.publishAsync('w/1', 'up', { qos: 1 })
  assert.equal((await atRemote.waitForTopic('w/1')).payload, 'up')
  const remotePub = await connectMqtt(remote.mqttUrl, { protocolVersion: 5 })
  t.after(() => remotePub.endAsync())
  await remotePub.publishAsync('r/1', 'down', { qos: 1, properties: { userProperties: { unit: 'C' }, contentType: 'text/plain' } })
  const got = await atLocal.waitForTopic('r/1')
  assert.equal(got.payload, 'down')
  // MQTT 5 properties that describe the message cross the bridge.
  assert.deepEqual({ ...got.packet.properties?.userProperties }, { unit: 'C' })
  assert.equal(got.packet.properties?.contentType, 'text/plain')
})
