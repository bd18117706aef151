import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { withTimeout } from '@siar/testing'
import { ClientErrorCodes, codecs, connect, MqttClientError, type SiarClient } from '../src/index.js'
import { BACKENDS, type Backend } from './support/brokers.js'

for (const backend of BACKENDS) {
  describe(`reconnect against ${backend.name}`, () => {
    let broker: Backend
    const clients: SiarClient[] = []
    before(async () => { broker = await backend.start() })
    after(async () => {
      await Promise.all(clients.map((c) => c.end(true).catch(() => {})))
      await broker.close()
    })

    test('after a broker restart: backoff, re-subscribe, and the offline buffer flushed in order up to its bound', async () => {
      // One client both subscribes and publishes: on one connection the
      // re-SUBSCRIBE goes out before the flushed PUBLISHes, so the test does
      // not race another client's reconnect.
      const c = await connect(broker.url, {
        reconnect: { initialDelayMs: 40, maxDelayMs: 160, factor: 2, jitter: 0.5 },
        offlineBuffer: { maxMessages: 5 }
      })
      clients.push(c)
      const sub = c.subscribe('rc/+', { qos: 1, codec: codecs.text })
      await sub.ready
      const received: string[] = []
      const collecting = (async () => {
        for await (const m of sub) {
          received.push(m.value ?? '')
          if (received.length === 6) break
        }
      })()

      const attempts: Array<{ attempt: number, delayMs: number }> = []
      c.on('reconnecting', (e) => attempts.push(e))
      const drops: string[] = []
      c.on('drop', (e) => drops.push(`${e.topic}:${e.error.code}`))
      const offline = c.next('offline')
      await broker.stop()
      await withTimeout(offline, "'offline' event")
      assert.equal(c.connected, false)

      // A subscription made while offline is sent once the client is back.
      const late = c.subscribe('late/+', { qos: 1, codec: codecs.text })
      const pending = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'].map((m) => c.publish('rc/x', m, { qos: 1 }))
      const settled = Promise.allSettled(pending)
      // 5 held, 2 rejected at once with a clear error.
      const early = await withTimeout(Promise.allSettled(pending.slice(5)), 'the over-bound publishes to fail')
      for (const r of early) {
        assert.equal(r.status, 'rejected')
        const err = (r as PromiseRejectedResult).reason as MqttClientError
        assert.equal(err.code, ClientErrorCodes.OFFLINE_BUFFER_FULL)
        assert.match(err.message, /publish to rc\/x dropped: the offline buffer is full \(5 messages\) while reconnecting to 127\.0\.0\.1:\d+/)
      }
      assert.deepEqual(drops, [`rc/x:${ClientErrorCodes.OFFLINE_BUFFER_FULL}`, `rc/x:${ClientErrorCodes.OFFLINE_BUFFER_FULL}`])
      assert.equal(c.buffered, 5)

      // Let it fail a few times so the backoff shows.
      await withTimeout((async () => { while (attempts.length < 4) await c.next('reconnecting') })(), '4 reconnect attempts')
      assert.deepEqual(attempts.slice(0, 4).map((a) => a.attempt), [1, 2, 3, 4])
      const bases = [40, 80, 160, 160]
      attempts.slice(0, 4).forEach((a, i) => {
        const base = bases[i] as number
        assert.ok(a.delayMs >= base / 2 && a.delayMs <= base, `attempt ${a.attempt}: ${a.delayMs} ms not in [${base / 2}, ${base}]`)
      })

      const back = c.next('reconnect')
      await broker.start()
      const { sessionPresent } = await withTimeout(back, "'reconnect' event", 10_000)
      assert.equal(sessionPresent, false)
      const results = await settled
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected'])
      // Re-subscribed: a publish made after the reconnect arrives too, after the backlog.
      await c.publish('rc/y', 'after', { qos: 1 })
      await withTimeout(collecting, 'the flushed messages')
      assert.deepEqual(received, ['m1', 'm2', 'm3', 'm4', 'm5', 'after'])
      assert.equal(c.buffered, 0)
      await withTimeout(late.ready, 'the late subscription')
      await c.publish('late/1', 'hi', { qos: 1 })
      for await (const m of late) {
        assert.equal(m.value, 'hi')
        break
      }
    })

    test('with reconnect off, a lost connection ends the loop with a clear error and a close event', async () => {
      const c = await connect(broker.url, { reconnect: false })
      clients.push(c)
      const sub = c.subscribe('off/#')
      await sub.ready
      // Capture the loop's outcome now so its rejection is never unhandled.
      const loop = (async () => { for await (const m of sub) void m })().then(() => null, (err: unknown) => err)
      const closed = c.next('close')
      await broker.stop()
      const { error } = await withTimeout(closed, "'close' event")
      assert.equal(error?.code, ClientErrorCodes.CLOSED)
      assert.match(error?.message ?? '', /^connection to 127\.0\.0\.1:\d+ lost/)
      // siar tells v5 clients why it closes (DISCONNECT 0x8B); the error carries that.
      if (backend.name === 'siar') assert.match(error?.message ?? '', /lost: the broker sent DISCONNECT: server shutting down \(0x8b\)$/)
      const loopError = await withTimeout(loop, 'the loop to end') as MqttClientError
      assert.equal(loopError?.code, ClientErrorCodes.CLOSED)
      await assert.rejects(c.publish('off/x', 'y'), (err: MqttClientError) => err.code === ClientErrorCodes.CLOSED && /the connection to 127\.0\.0\.1:\d+ is closed/.test(err.message))
      await broker.start()
    })

    test('a subscription made while reconnecting rejects when the client closes instead', async () => {
      const c = await connect(broker.url, { reconnect: { initialDelayMs: 50, maxDelayMs: 50 } })
      const offline = c.next('offline')
      await broker.stop()
      await withTimeout(offline, "'offline' event")
      const sub = c.subscribe('never/#')
      const ready = sub.ready.then(() => null, (err: MqttClientError) => err)
      await c.end(true)
      const err = await withTimeout(ready, 'ready to settle')
      assert.equal(err?.code, ClientErrorCodes.CLOSED)
      await broker.start()
    })

    test('end() while reconnecting fails buffered publishes and finishes loops', async () => {
      const c = await connect(broker.url, { reconnect: { initialDelayMs: 50, maxDelayMs: 50 } })
      // mqtt.js' own reconnectPeriod becomes a fixed-delay policy, not a second reconnect loop.
      const fixed = await connect(broker.url, { mqttOptions: { reconnectPeriod: 30 } })
      const fixedDelays: number[] = []
      fixed.on('reconnecting', ({ delayMs }) => fixedDelays.push(delayMs))
      const sub = c.subscribe('end/#')
      await sub.ready
      const loop = (async () => { let n = 0; for await (const m of sub) { void m; n++ } return n })()
      const offline = c.next('offline')
      await broker.stop()
      await withTimeout(offline, "'offline' event")
      const held = c.publish('end/x', 'never')
      await withTimeout((async () => { while (fixedDelays.length < 2) await fixed.next('reconnecting') })(), 'two fixed-period attempts')
      assert.deepEqual(fixedDelays.slice(0, 2), [30, 30])
      await fixed.end(true)
      await c.end(true)
      await assert.rejects(held, (err: MqttClientError) => err.code === ClientErrorCodes.CLOSED)
      assert.equal(await withTimeout(loop, 'the loop to finish'), 0)
      await broker.start()
    })
  })
}
