import type { IPublishPacket, MqttClient } from 'mqtt'
import { waitFor, DEFAULT_WAIT_TIMEOUT_MS } from './wait-for.js'

export interface Received {
  topic: string
  payload: string
  qos: number
  retain: boolean
  packet: IPublishPacket
}

/** Records every message an mqtt.js client receives, to wait on and assert over. */
export class MessageCollector {
  readonly messages: Received[] = []

  constructor (client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain, packet })
    })
  }

  async waitForCount (n: number, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<Received[]> {
    await waitFor(() => this.messages.length >= n, () => `${n} message(s), have ${this.messages.length}`, timeoutMs)
    return this.messages.slice(0, n)
  }

  async waitForTopic (topic: string, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<Received> {
    return await waitFor(() => this.messages.find((m) => m.topic === topic), `a message on ${topic}`, timeoutMs)
  }
}
