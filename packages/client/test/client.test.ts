import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { withTimeout } from '@siar/testing'
import { ClientErrorCodes, codecs, connect, MqttClientError, topic, type Message, type SiarClient } from '../src/index.js'
import { BACKENDS, type Backend } from './support/brokers.js'

/** Collect `n` messages from an async iterable, failing after `ms`. */
async function take<T> (iterable: AsyncIterable<T>, n: number, ms = 5000): Promise<T[]> {
  const out: T[] = []
  await withTimeout((async () => {
    for await (const m of iterable) {
      out.push(m)
      if (out.length >= n) break
    }
  })(), `${n} message(s)`, ms)
  return out
}

for (const backend of BACKENDS) {
  describe(`@siar/client against ${backend.name}`, () => {
    let broker: Backend
    const clients: SiarClient[] = []
    const open = async (opts: Parameters<typeof connect>[1] = {}): Promise<SiarClient> => {
      const c = await connect(broker.url, { reconnect: false, ...opts })
      clients.push(c)
      return c
    }
    before(async () => { broker = await backend.start() })
    after(async () => {
      await Promise.all(clients.map((c) => c.end(true).catch(() => {})))
      await broker.close()
    })

    test('for await yields messages in order and unsubscribes when the loop exits', async () => {
      const sub = await open()
      const pub = await open()
      const s = sub.subscribe('it/a', { qos: 1 })
      await s.ready
      const got = take(s, 3)
      for (const m of ['1', '2', '3']) await pub.publish('it/a', m, { qos: 1 })
      assert.deepEqual((await got).map((m) => m.payload.toString()), ['1', '2', '3'])
      // The loop broke: the filter is gone at the broker. A message to it must not arrive
      // before a marker on another subscribed topic sent after it.
      const seen: string[] = []
      sub.onMessage((m) => seen.push(m.topic))
      const marker = sub.subscribe('it/marker', { qos: 1 })
      await marker.ready
      await pub.publish('it/a', 'late', { qos: 1 })
      await pub.publish('it/marker', 'x', { qos: 1 })
      await take(marker, 1)
      assert.deepEqual(seen, ['it/marker'])
    })

    test('topic patterns: the filter, the built topic and the params of each message', async () => {
      const temp = topic('sensors/:id/temp')
      const logs = topic('logs/:app/:rest*')
      assert.equal(temp.filter, 'sensors/+/temp')
      assert.equal(logs.filter, 'logs/+/#')
      const c = await open()
      const s = c.subscribe(temp, { codec: codecs.text })
      const l = c.subscribe(logs)
      await Promise.all([s.ready, l.ready])
      await c.publish(temp.build({ id: 'kitchen' }), '21.5', { qos: 1 })
      await c.publish(logs.build({ app: 'api', rest: 'eu/west/1' }), 'up', { qos: 1 })
      const [m] = await take(s, 1)
      assert.deepEqual(m?.params, { id: 'kitchen' })
      assert.equal(m?.value, '21.5')
      const [lm] = await take(l, 1)
      assert.equal(lm?.topic, 'logs/api/eu/west/1')
      assert.deepEqual(lm?.params, { app: 'api', rest: 'eu/west/1' })
    })

    test('json codec: a bad payload gives a message with decodeError, and the loop goes on', async () => {
      const c = await open()
      const s = c.subscribe('json/in', { codec: codecs.json<{ t: number }>(), qos: 1 })
      await s.ready
      await c.publish('json/in', { t: 1 }, { codec: codecs.json(), qos: 1 })
      await c.publish('json/in', '{not json', { qos: 1 })
      await c.publish('json/in', new Uint8Array([0xff, 0xfe]), { qos: 1 })
      await c.publish('json/in', '{"t":4}', { qos: 1 })
      const got = await take(s, 4)
      assert.deepEqual(got[0]?.value, { t: 1 })
      assert.equal(got[1]?.value, undefined)
      assert.ok(got[1]?.decodeError instanceof MqttClientError)
      assert.equal(got[1]?.decodeError?.code, ClientErrorCodes.CODEC)
      assert.match(got[1]?.decodeError?.message ?? '', /cannot decode the 9-byte payload on json\/in as json/)
      assert.equal(got[1]?.payload.toString(), '{not json')
      assert.equal(got[2]?.decodeError?.code, ClientErrorCodes.CODEC)
      assert.deepEqual(got[3]?.value, { t: 4 })
      if (c.protocolVersion === 5) assert.equal(got[0]?.properties?.contentType, 'application/json')
    })

    test('a user-supplied validator plugs into the json codec; binary and custom codecs', async () => {
      const positive = codecs.json({
        validate: (v: unknown): { n: number } => {
          if (typeof v !== 'object' || v === null || typeof (v as { n?: unknown }).n !== 'number' || (v as { n: number }).n < 0) throw new Error('n must be a number >= 0')
          return v as { n: number }
        }
      })
      const upper = { name: 'upper', encode: (s: string) => s.toUpperCase(), decode: (b: Uint8Array) => new TextDecoder().decode(b).toLowerCase() }
      const c = await open()
      const v = c.subscribe('codec/v', { codec: positive, qos: 1 })
      const b = c.subscribe('codec/b', { codec: codecs.binary, qos: 1 })
      const u = c.subscribe('codec/u', { codec: upper, qos: 1 })
      await Promise.all([v.ready, b.ready, u.ready])
      await c.publish('codec/v', '{"n":-1}', { qos: 1 })
      await c.publish('codec/v', '{"n":2}', { qos: 1 })
      await c.publish('codec/b', new Uint8Array([0, 1, 255]), { qos: 1 })
      await c.publish('codec/u', 'Shout', { codec: upper, qos: 1 })
      const [bad, good] = await take(v, 2)
      assert.match(bad?.decodeError?.message ?? '', /n must be a number >= 0/)
      assert.equal(good?.value?.n, 2)
      const [bin] = await take(b, 1)
      assert.deepEqual([...(bin?.value ?? [])], [0, 1, 255])
      const [up] = await take(u, 1)
      assert.equal(up?.payload.toString(), 'SHOUT')
      assert.equal(up?.value, 'shout')
    })

    test('callback form, and a listener that throws is reported, not fatal', async () => {
      const c = await open()
      const errors: Error[] = []
      c.on('error', (e) => errors.push(e))
      const got: string[] = []
      const s = c.subscribe('cb/+', { codec: codecs.text, qos: 1 }).onMessage((m) => {
        if (m.value === 'boom') throw new Error('listener failed')
        got.push(`${m.topic}=${m.value ?? ''}`)
      })
      await s.ready
      await c.publish('cb/1', 'boom', { qos: 1 })
      await c.publish('cb/2', 'ok', { qos: 1 })
      await withTimeout((async () => { while (got.length < 1) await new Promise((resolve) => setImmediate(resolve)) })(), 'the callback')
      assert.deepEqual(got, ['cb/2=ok'])
      assert.equal(errors[0]?.message, 'listener failed')
      await s.close()
    })

    test('typed MQTT 5 properties travel on publish and arrive on the message', async () => {
      const c = await open()
      const s = c.subscribe('props/x', { qos: 1 })
      await s.ready
      await c.publish('props/x', 'p', {
        qos: 1,
        properties: {
          contentType: 'text/plain',
          payloadFormatIndicator: true,
          messageExpiryInterval: 60,
          userProperties: { unit: 'celsius', tag: ['a', 'b'] }
        }
      })
      const [m] = await take(s, 1) as Array<Message>
      assert.equal(m?.properties?.contentType, 'text/plain')
      assert.equal(m?.properties?.payloadFormatIndicator, true)
      assert.ok((m?.properties?.messageExpiryInterval ?? 0) > 0 && (m?.properties?.messageExpiryInterval ?? 0) <= 60)
      assert.deepEqual({ ...m?.properties?.userProperties }, { unit: 'celsius', tag: ['a', 'b'] })
    })

    test('request/response round trip through serve() on a pattern', async () => {
      const server = await open()
      const caller = await open()
      const add = topic('calc/:op')
      const service = server.serve(add, (req) => {
        const { a, b } = req.value as { a: number, b: number }
        return { op: req.params.op, result: req.params.op === 'add' ? a + b : a * b }
      }, { codec: codecs.json(), responseCodec: codecs.json() })
      await service.ready
      const wire: Array<Message['properties']> = []
      server.onMessage((m) => wire.push(m.properties))
      const reply = await caller.request(add.build({ op: 'add' }), { a: 2, b: 3 }, { codec: codecs.json(), responseCodec: codecs.json(), timeoutMs: 5000 })
      assert.deepEqual(reply.value, { op: 'add', result: 5 })
      // On the wire: a Response Topic in this client's inbox and 16 bytes of Correlation Data [MQTT-4.10].
      assert.match(wire[0]?.responseTopic ?? '', /^_inbox\/[0-9a-f]{16}$/)
      assert.equal(wire[0]?.correlationData?.length, 16)
      assert.equal(reply.properties?.correlationData?.toString('hex'), wire[0]?.correlationData?.toString('hex'))
      const [r1, r2] = await Promise.all([
        caller.request('calc/mul', '{"a":4,"b":5}', { responseCodec: codecs.json<{ result: number }>() }),
        caller.request('calc/add', '{"a":4,"b":5}', { responseCodec: codecs.json<{ result: number }>() })
      ])
      assert.equal(r1.value.result, 20)
      assert.equal(r2.value.result, 9)
      await assert.rejects(caller.request('calc/add', 'not json', { timeoutMs: 5000 }), (err: MqttClientError) => {
        assert.equal(err.code, ClientErrorCodes.REQUEST_FAILED)
        assert.match(err.message, /the responder on calc\/add failed: cannot decode/)
        return true
      })
      await service.close()
    })

    test('request with nobody serving times out with a clear error', async () => {
      const c = await open()
      const started = Date.now()
      await assert.rejects(c.request('nobody/home', 'ping', { timeoutMs: 300 }), (err: MqttClientError) => {
        assert.equal(err.code, ClientErrorCodes.REQUEST_TIMEOUT)
        assert.equal(err.message, 'no reply to the request on nobody/home within 300 ms (is a responder serving it?)')
        return true
      })
      assert.ok(Date.now() - started >= 290)
    })

    test('request/serve on an MQTT 3.1.1 connection fail with a clear error', async () => {
      const c = await open({ protocolVersion: 4 })
      await assert.rejects(c.request('x/y', 'q'), (err: MqttClientError) => {
        assert.equal(err.code, ClientErrorCodes.REQUIRES_MQTT5)
        assert.match(err.message, /request\(\) needs MQTT 5 .* uses MQTT 3\.1\.1/)
        return true
      })
      assert.throws(() => c.serve('x/y', () => 'a'), /serve\(\) needs MQTT 5/)
      // Plain pub/sub still works on 3.1.1, without properties.
      const s = c.subscribe('v311/t', { codec: codecs.text, qos: 1 })
      await s.ready
      await c.publish('v311/t', 'hi', { qos: 1 })
      const [m] = await take(s, 1)
      assert.equal(m?.value, 'hi')
      assert.equal(m?.properties, undefined)
    })
  })
}

test('connection refused is one clear error naming host:port', async () => {
  const backend = await BACKENDS[1].start()
  await backend.close()
  await assert.rejects(connect(backend.url, { reconnect: true }), (err: MqttClientError) => {
    assert.equal(err.code, ClientErrorCodes.CONNECTION_REFUSED)
    assert.equal(err.message, `ECONNREFUSED 127.0.0.1:${backend.port}: nothing is listening there (is the broker running? right port?)`)
    return true
  })
})
