import { randomBytes } from 'node:crypto'
import mqttPacket from 'mqtt-packet'

/**
 * Generators for broken MQTT traffic, for the hostile-input test. Each
 * scenario returns the packets one connection sends (written in one go);
 * the broker is expected to drop the connection, never to fall over.
 */
export interface HostileBatch { name: string, packets: Buffer[] }

const gen = (packet: Record<string, unknown>, protocolVersion = 4): Buffer =>
  mqttPacket.generate(packet as never, { protocolVersion } as never)

function connect (clientId: string, protocolVersion = 4): Buffer {
  return gen({ cmd: 'connect', protocolId: protocolVersion === 3 ? 'MQIsdp' : 'MQTT', protocolVersion, clean: true, clientId, keepalive: 30 }, protocolVersion)
}

/** A PUBLISH with raw topic bytes, so the topic can be invalid UTF-8. */
function rawPublish (topic: Buffer, payload: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, payload])
  return Buffer.concat([Buffer.from([0x30]), varint(body.length), body])
}

function varint (n: number): Buffer {
  const out: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return Buffer.from(out)
}

const repeat = (n: number, make: (i: number) => Buffer): Buffer[] => Array.from({ length: n }, (_, i) => make(i))

/** The scenarios, each taking a connection index and a packet count. */
export const SCENARIOS: Array<(i: number, n: number) => HostileBatch> = [
  (_i, n) => ({ name: 'truncated fixed headers', packets: repeat(n, () => Buffer.from([0x30 | (Math.random() * 16 | 0), 0x80 | (Math.random() * 128 | 0)])) }),
  (_i, n) => ({ name: 'remaining length over 4 bytes', packets: repeat(n, () => Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f])) }),
  (_i, n) => ({ name: 'huge declared length', packets: repeat(n, () => Buffer.concat([Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]), randomBytes(32)])) }),
  (i, n) => ({ name: 'invalid UTF-8 topics', packets: [connect(`utf8-${i}`), ...repeat(n - 1, () => rawPublish(Buffer.from([0x61, 0x2f, 0xc3, 0x28, 0xff]), randomBytes(8)))] }),
  (i, n) => ({ name: 'wildcards in PUBLISH', packets: [connect(`wild-${i}`), ...repeat(n - 1, (k) => gen({ cmd: 'publish', topic: k % 2 ? 'a/#' : 'a/+/b', payload: 'x', qos: 0, retain: false }))] }),
  (_i, n) => ({ name: 'packets before CONNECT', packets: repeat(n, (k) => k % 2 ? gen({ cmd: 'subscribe', messageId: k + 1, subscriptions: [{ topic: '#', qos: 0 }] }) : gen({ cmd: 'publish', topic: 'pre/connect', payload: 'x', qos: 0, retain: false })) }),
  (i, n) => ({ name: 'second CONNECT', packets: [connect(`twice-${i}`), ...repeat(n - 1, (k) => connect(`twice-${i}-${k}`, k % 2 ? 5 : 4))] }),
  (_i, n) => ({ name: 'random bytes', packets: repeat(n, () => randomBytes(1 + (Math.random() * 64 | 0))) }),
  (i, n) => ({ name: 'QoS 3 and reserved flags', packets: [connect(`qos3-${i}`), ...repeat(n - 1, () => Buffer.from([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]))] }),
  (i, n) => ({ name: 'v5 bad properties', packets: [connect(`v5-${i}`, 5), ...repeat(n - 1, () => Buffer.from([0x30, 0x08, 0x00, 0x01, 0x61, 0x05, 0xff, 0xff, 0xff, 0xff]))] }),
  (i, n) => ({ name: 'SUBSCRIBE with bad filters', packets: [connect(`badsub-${i}`), ...repeat(n - 1, (k) => gen({ cmd: 'subscribe', messageId: k + 1, subscriptions: [{ topic: k % 2 ? 'a/#/b' : 'a+/b', qos: 0 }] }))] }),
  (_i, n) => ({ name: 'CONNECT with unknown protocol', packets: repeat(n, () => Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x09, 0x02, 0x00, 0x3c, 0x00, 0x00])) })
]
