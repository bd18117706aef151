import net from 'node:net'
import mqttPacket from 'mqtt-packet'
import { MqttClient, type IClientOptions } from 'mqtt'
import { waitFor } from '@siar/testing'

/**
 * Test helpers that see MQTT packets as they arrive on a real socket, before
 * the client library interprets (or hides) them: how many PUBLISH packets are
 * in flight, which topic alias or properties the broker put on the wire.
 */
export interface WireTap {
  readonly packets: any[]
  publishes: () => any[]
  waitFor: (match: (packet: any) => boolean, what: string, timeoutMs?: number) => Promise<any>
  waitForCount: (match: (packet: any) => boolean, count: number, what: string, timeoutMs?: number) => Promise<any[]>
}

export function tapStream (stream: NodeJS.ReadableStream, protocolVersion = 5): WireTap {
  const parser = mqttPacket.parser({ protocolVersion })
  const packets: any[] = []
  parser.on('packet', (packet) => packets.push(packet))
  stream.on('data', (chunk: Buffer) => parser.parse(chunk))
  return {
    packets,
    publishes: () => packets.filter((p) => p.cmd === 'publish'),
    waitFor: async (match, what, timeoutMs) => await waitFor(() => packets.find(match), what, timeoutMs),
    waitForCount: async (match, count, what, timeoutMs) => {
      await waitFor(() => packets.filter(match).length >= count, `${count} × ${what}`, timeoutMs)
      return packets.filter(match)
    }
  }
}

/** A real mqtt.js client over TCP whose socket is tapped from its first byte (CONNACK included). */
/** `prepare` runs before the connection opens: e.g. holdAcks, so no message sent with the CONNACK is acked first. */
export async function connectTapped (port: number, opts: IClientOptions = {}, prepare?: (client: MqttClient) => void): Promise<{ client: MqttClient, tap: WireTap }> {
  let tap: WireTap | undefined
  const client = new MqttClient(() => {
    const socket = net.connect(port, '127.0.0.1')
    tap = tapStream(socket, opts.protocolVersion === 5 ? 5 : 4)
    return socket as any
  }, { reconnectPeriod: 0, connectTimeout: 5000, ...opts, manualConnect: true })
  prepare?.(client)
  client.connect()
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
    client.once('close', () => reject(new Error('connection closed before CONNACK')))
  })
  return { client, tap: tap as WireTap }
}

export interface HeldAcks {
  readonly count: () => number
  /** Let mqtt.js acknowledge the oldest held QoS 1/2 message. */
  releaseOne: () => void
  releaseAll: () => void
}

/**
 * Make an mqtt.js client hold its PUBACK/PUBREC until told: mqtt.js sends the
 * acknowledgement when `handleMessage` calls back.
 */
export function holdAcks (client: MqttClient): HeldAcks {
  const held: Array<() => void> = []
  let releasing = false
  client.handleMessage = (packet, callback) => {
    if (packet.qos === 0 || releasing) return callback()
    held.push(() => callback())
  }
  return {
    count: () => held.length,
    releaseOne: () => held.shift()?.(),
    releaseAll: () => {
      releasing = true
      for (const release of held.splice(0)) release()
    }
  }
}

/** A raw MQTT connection: for steps no client library lets a test take (e.g. leaving a QoS 2 exchange half done). */
export interface RawClient {
  readonly tap: WireTap
  send: (packet: any) => void
  destroy: () => void
}

export async function connectRaw (port: number, connect: Record<string, unknown>): Promise<RawClient> {
  const protocolVersion = (connect.protocolVersion as number | undefined) ?? 4
  const socket = net.connect(port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const tap = tapStream(socket, protocolVersion)
  const send = (packet: any): void => { socket.write(mqttPacket.generate(packet, { protocolVersion })) }
  send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion, keepalive: 30, clean: true, ...connect })
  const connack = await tap.waitFor((p) => p.cmd === 'connack', 'CONNACK')
  if ((connack.returnCode ?? connack.reasonCode) !== 0) throw new Error(`CONNACK ${connack.returnCode ?? connack.reasonCode}`)
  return { tap, send, destroy: () => socket.destroy() }
}
