import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import AsyncMemoryPersistence from 'aedes-persistence/asyncPersistence.js'
import { connectMqtt, MessageCollector } from '@siar/testing'
import { stopAedesWillSweep } from '../../src/aedes-fixes/will-sweep.js'
import { startPlainAedes, type PlainAedes } from './plain-aedes.js'

// aedes publishes the wills of brokers it has not heard from on a timer of its
// own (every 4 heartbeats), on every node, uncoordinated. siar's cluster
// stops that timer (aedes-fixes/will-sweep.ts) and sweeps with a Redis lock.

const HEARTBEAT_MS = 50

/** A plain aedes whose store holds the will of a client of a broker that no longer exists. */
async function withDeadBrokersWill (t: any): Promise<{ plain: PlainAedes, got: MessageCollector, persistence: any }> {
  const persistence = new AsyncMemoryPersistence()
  const plain = await startPlainAedes({ persistence, heartbeatInterval: HEARTBEAT_MS } as any)
  t.after(() => plain.close())
  const sub = await connectMqtt(plain.mqttUrl)
  t.after(() => sub.end(true))
  const got = new MessageCollector(sub)
  await sub.subscribeAsync('sweep/will', { qos: 0 })
  const will: any = { cmd: 'publish', topic: 'sweep/will', payload: Buffer.from('gone'), qos: 0, retain: false }
  await persistence.putWill({ id: 'ghost' }, will)
  will.brokerId = 'dead-node'
  return { plain, got, persistence }
}

test('upstream still sweeps on its own: aedes publishes a dead broker\'s will from its heartbeat timer', async (t) => {
  const { got } = await withDeadBrokersWill(t)
  const [m] = await got.waitForCount(1, 4 * HEARTBEAT_MS * 10)
  assert.equal(m?.payload, 'gone', 'if this stops, aedes no longer sweeps wills by itself: revisit aedes-fixes/will-sweep.ts')
})

test('stopAedesWillSweep finds aedes\' timer and stops it: the will stays for siar\'s sweeper', async (t) => {
  const { plain, got, persistence } = await withDeadBrokersWill(t)
  assert.equal(stopAedesWillSweep(plain.aedes), true, 'aedes renamed _clearWillInterval: update aedes-fixes/will-sweep.ts')
  // Ten sweep periods: the timer would have fired ten times.
  await delay(4 * HEARTBEAT_MS * 10)
  assert.equal(got.messages.length, 0)
  assert.equal((await persistence.getWill({ id: 'ghost' }))?.brokerId, 'dead-node', 'the will is still stored')
})
