import { createRequire } from 'node:module'

export type WriteToStream = ((packet: any, stream: any, opts?: any) => boolean) & { cacheNumbers?: boolean }

export interface MqttPacketModule {
  writeToStream: WriteToStream
  generate: (packet: any, opts?: any) => Buffer
}

/**
 * mqtt-packet exactly as aedes resolves it. aedes' write() reads
 * `mqtt.writeToStream` from this module object on every packet, so a wrapper
 * set here is what aedes calls; resolving from aedes' own location (rather than
 * from siar's dependency) guarantees it is the same object even if two copies
 * of mqtt-packet are ever installed.
 */
export const aedesMqttPacket: MqttPacketModule =
  createRequire(createRequire(import.meta.url).resolve('aedes'))('mqtt-packet')
