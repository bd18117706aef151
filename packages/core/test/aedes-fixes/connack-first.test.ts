import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import mqttPacket from 'mqtt-packet'
import { startTestBroker, connectMqtt, waitFor } from '@siar/testing'
import { startPlainAedes } from './plain-aedes.js'

// [MQTT-3.2.0-1] The Server MUST send a CONNACK with a 0x00 (Success) Reason Code before sending
// any Packet other than AUTH. The window: aedes restores a resuming session's subscriptions
// before it writes the CONNACK, and a message routed then went out first.

/**
 * Resume session 'cf' while a message for it is on its way: the store's enqueue for it is held
 * until the resuming CONNECT reaches aedes' will step (after the subscriptions are restored,
 * before the CONNACK); then it is let go and the will step waits a few turns for it.
 * Returns the commands the resuming socket received, in order.
 */
async function resumeDuringDelivery (port: number, aedes: any, t: any): Promise<string[]> {
  const url = `mqtt://127.0.0.1:${port}`
  const first = await connectMqtt(url, { protocolVersion: 5, clientId: 'cf', properties: { sessionExpiryInterval: 60 } })
  await first.subscribeAsync('cf/t', { qos: 1 })
  await first.endAsync()
  await waitFor(() => aedes.clients.cf === undefined, 'the first connection to be gone')

  const persistence = aedes.persistence
  const enqueue = persistence.outgoingEnqueueCombi
  const delWill = persistence.delWill
  let letGo: () => void = () => {}
  const gate = new Promise<void>((resolve) => { letGo = resolve })
  persistence.outgoingEnqueueCombi = async function (...args: unknown[]) { await gate; return enqueue.apply(this, args) }
  persistence.delWill = async function (client: any) {
    if (client.id === 'cf') {
      letGo()
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
    }
    return delWill.call(this, client)
  }
  t.after(() => { persistence.outgoingEnqueueCombi = enqueue; persistence.delWill = delWill })

  const pub = await connectMqtt(url, { protocolVersion: 5 })
  t.after(() => pub.end(true))
  pub.publish('cf/t', 'in flight', { qos: 1 })
  await waitFor(() => aedes.clients[pub.options.clientId as string] !== undefined, 'publisher')

  // A raw socket: it records the order of what arrives, which a client library would hide.
  const socket = net.connect(port, '127.0.0.1')
  t.after(() => socket.destroy())
  const parser = mqttPacket.parser({ protocolVersion: 5 })
  const cmds: string[] = []
  parser.on('packet', (p) => cmds.push(p.cmd))
  socket.on('data', (chunk) => parser.parse(chunk))
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: false, clientId: 'cf', keepalive: 30, properties: { sessionExpiryInterval: 60 } } as any))
  await waitFor(() => cmds.includes('connack') && cmds.includes('publish'), 'CONNACK and the message')
  return cmds
}

test('upstream still broken: plain aedes can send a PUBLISH before the CONNACK of a resumed session', async (t) => {
  const plain = await startPlainAedes()
  t.after(() => plain.close())
  const cmds = await resumeDuringDelivery(plain.port, plain.aedes, t)
  assert.equal(cmds[0], 'publish', 'plain aedes sends CONNACK first now: remove aedes-fixes/connack-first.ts')
})

test('siar sends the CONNACK first, then the message that arrived while the session was resuming', async (t) => {
  const tb = await startTestBroker()
  t.after(() => tb.close())
  const cmds = await resumeDuringDelivery(tb.port, tb.broker.aedes, t)
  assert.deepEqual(cmds.slice(0, 2), ['connack', 'publish'])
})
