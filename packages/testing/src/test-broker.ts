import { startBroker, parseOptions, type Broker, type BrokerOptionsInput } from '@siar/core'
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt'
import { getFreePort } from './free-port.js'

export interface TestBroker {
  broker: Broker
  port: number
  wsPort: number
  httpPort: number
  mqttUrl: string
  wsUrl: string
  httpUrl: string
  close: () => Promise<void>
}

/** An in-process broker on free loopback ports. Pass `port: 0` etc. to turn a listener off. */
export async function startTestBroker (input: BrokerOptionsInput = {}): Promise<TestBroker> {
  // A free port can be taken by a parallel test before we bind it: pick new ones then.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTestBrokerOnce(input)
    } catch (err) {
      if (attempt >= 4 || (err as { code?: string }).code !== 'SIAR_ERR_LISTEN_ADDRESS_IN_USE') throw err
    }
  }
}

async function startTestBrokerOnce (input: BrokerOptionsInput): Promise<TestBroker> {
  const port = input.port ?? await getFreePort()
  const wsPort = input.wsPort ?? await getFreePort()
  const httpPort = input.httpPort ?? await getFreePort()
  const broker = await startBroker(parseOptions({ ...input, port, wsPort, httpPort, logLevel: input.logLevel ?? 'silent' }))
  return {
    broker,
    port,
    wsPort,
    httpPort,
    mqttUrl: `mqtt://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${wsPort}/mqtt`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    close: () => broker.close()
  }
}

/** mqtt.js connect that resolves on CONNACK and never reconnects on its own. */
export async function connectMqtt (url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts })
}

/** Like connectMqtt, but also hands back the CONNACK (sessionPresent, v5 properties). */
export async function connectWithConnack (url: string, opts: IClientOptions = {}): Promise<{ client: MqttClient, connack: IConnackPacket }> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts })
  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    client.once('connect', resolve)
    client.once('error', reject)
  })
  return { client, connack }
}
