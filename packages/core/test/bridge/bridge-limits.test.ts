import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connectMqtt, getFreePort, MessageCollector, startTestBroker, waitFor } from '@siar/testing'
import { parseOptions, startBroker, type Broker, type BrokerOptionsInput, type Logger } from '@siar/core'

type After = { after: (fn: () => unknown) => void }

/** A logger that keeps every line, to count warnings. */
function recordingLogger (): { logger: Logger, lines: Array<{ level: string, msg: string }> } {
  const lines: Array<{ level: string, msg: string }> = []
  const make = (): Logger => {
    const at = (level: string) => (a: object | string, b?: string) => { lines.push({ level, msg: typeof a === 'string' ? a : b ?? '' }) }
    return { fatal: at('fatal'), error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace'), child: () => make() }
  }
  return { logger: make(), lines }
}

async function startLocal (t: After, input: BrokerOptionsInput, logger?: Logger): Promise<{ broker: Broker, mqttUrl: string, httpUrl: string }> {
  const port = await getFreePort()
  const httpPort = await getFreePort()
  const broker = await startBroker(parseOptions({ port, wsPort: 0, httpPort, logLevel: 'silent', ...input }), { logger })
  t.after(() => broker.close())
  return { broker, mqttUrl: `mqtt://127.0.0.1:${port}`, httpUrl: `http://127.0.0.1:${httpPort}` }
}

for (const retainAvailable of [false, true]) {
  test(`AWS-like remote (maxQos 1, retainAvailable ${String(retainAvailable)}): QoS 2 goes as QoS 1, logged once; retain ${retainAvailable ? 'kept' : 'cleared'}`, async (t) => {
    const remote = await startTestBroker()
    t.after(() => remote.close())
    const { logger, lines } = recordingLogger()
    const local = await startLocal(t, {
      bridges: [{ name: 'aws', url: remote.mqttUrl, protocolVersion: 5, maxQos: 1, retainAvailable, topics: [{ pattern: 'dt/#', direction: 'out', qos: 2 }] }]
    }, logger)
    await waitFor(() => local.broker.readiness().bridges?.[0]?.connected, 'the bridge to connect')
    // Retain As Published, so the flag the bridge sent is the flag we see.
    const sub = await connectMqtt(remote.mqttUrl, { protocolVersion: 5 })
    t.after(() => sub.endAsync())
    const got = new MessageCollector(sub)
    await sub.subscribeAsync('dt/#', { qos: 2, rap: true })
    const pub = await connectMqtt(local.mqttUrl)
    t.after(() => pub.endAsync())
    await pub.publishAsync('dt/1', 'a', { qos: 2, retain: true })
    // Clearing the retained message: only a remote with retained messages gets it.
    await pub.publishAsync('dt/1', '', { qos: 2, retain: true })
    await pub.publishAsync('dt/2', 'b', { qos: 2 })
    await got.waitForTopic('dt/2')
    assert.deepEqual(got.messages.map((m) => m.payload), retainAvailable ? ['a', '', 'b'] : ['a', 'b'])
    const [a, b] = got.messages.filter((m) => m.payload !== '')
    assert.deepEqual([a?.qos, b?.qos], [1, 1])
    assert.equal(a?.retain, retainAvailable)
    assert.equal(lines.filter((l) => l.msg.includes('higher QoS is sent as QoS 1')).length, 1, 'logged once')
  })
}

test('remote away: the buffer holds up to its bound, drops past it (counted, warned once), /metrics shows it', async (t) => {
  const closedPort = await getFreePort()
  const { logger, lines } = recordingLogger()
  const local = await startLocal(t, {
    bridges: [{ name: 'far', url: `mqtt://127.0.0.1:${closedPort}`, outboundBufferSize: 5, topics: [{ pattern: 'x/#', qos: 1 }] }]
  }, logger)
  const events: string[] = []
  local.broker.events.on('bridge', (s) => events.push(`${s.role}:${String(s.connected)}`))
  const pub = await connectMqtt(local.mqttUrl)
  t.after(() => pub.endAsync())
  for (let i = 0; i < 8; i++) await pub.publishAsync(`x/${i}`, String(i), { qos: 1 })
  const state = local.broker.readiness().bridges?.[0]
  assert.equal(state?.buffered, 5)
  assert.equal(state?.dropped, 3)
  assert.equal(state?.connected, false)
  assert.equal(local.broker.readiness().ready, true, 'a remote that is down does not make the node unready')
  assert.equal(lines.filter((l) => l.level === 'warn' && l.msg.includes('outbound buffer full')).length, 1, 'one warning per burst')
  await waitFor(() => lines.some((l) => l.msg.includes('cannot reach the remote')), 'the unreachable remote to be logged')
  assert.ok(events.includes('owner:false'), `a bridge event was emitted (${events.join(', ')})`)

  const text = await (await fetch(`${local.httpUrl}/metrics`)).text()
  assert.match(text, /^siar_bridge_buffered_messages\{bridge="far"\} 5$/m)
  assert.match(text, /^siar_bridge_messages_dropped_total\{bridge="far"\} 3$/m)
  assert.match(text, /^siar_bridge_connected\{bridge="far"\} 0$/m)
  assert.match(text, /^siar_bridge_owner\{bridge="far"\} 1$/m)
  assert.match(text, /^siar_bridge_messages_total\{bridge="far",direction="out"\} 0$/m)
})

test('bridge options are checked: every problem named at once', () => {
  assert.throws(() => parseOptions({
    bridges: [
      { name: 'a b', url: 'http://x', topics: [{ pattern: 'a/#/b', direction: 'sideways' }] },
      { name: 'b', url: 'mqtt://x', topics: [] },
      { name: 'c', url: 'mqtts://x', topics: [{ pattern: '' }] }
    ]
  }), (err: Error) => {
    for (const key of ['bridges.0.name', 'bridges.0.url', 'bridges.0.topics.0.pattern', 'bridges.0.topics.0.direction', 'bridges.1.topics', 'bridges.2.topics.0']) {
      assert.ok(err.message.includes(`${key}:`) || err.message.includes(`${key} `), `names ${key}:\n${err.message}`)
    }
    return true
  })
  const twice = { name: 'same', url: 'mqtt://x', topics: [{ pattern: '#' }] }
  assert.throws(() => parseOptions({ bridges: [twice, twice] }), /bridges\.1\.name.*a name no other bridge has/)
  const ok = parseOptions({ bridges: [{ name: 'aws', url: 'mqtts://x.iot.eu-west-1.amazonaws.com:8883', topics: [{ pattern: 'dt/#' }] }] })
  assert.equal(ok.bridges[0]?.topics[0]?.direction, 'out')
  assert.equal(ok.bridges[0]?.leaseTtlMs, 7_500)
})
