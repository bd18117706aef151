import { randomBytes } from 'node:crypto'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'

export interface RoundTripInput {
  protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss'
  host: string
  port: number
  path?: string
  username?: string
  password?: string
  timeoutMs: number
  /** mqtts/wss: accept any certificate (--insecure). */
  insecure?: boolean
}

export type RoundTripResult =
  | { ok: true, ms: number }
  /** `auth`: CONNACK refused the login; `mqtt`: the port does not speak MQTT; `network`: no connection. */
  | { ok: false, stage: 'connect' | 'subscribe' | 'deliver', kind: 'auth' | 'mqtt' | 'network' | 'timeout' | 'refused', detail: string, returnCode?: number }

/**
 * CONNECT, SUBSCRIBE at QoS 1 to a topic of its own, PUBLISH to it, wait for
 * the message. MQTT 3.1.1 so any broker answers; its CONNACK return codes
 * 4 (bad user name or password) and 5 (not authorized) [MQTT-3.2.2.3] are
 * what a wrong login looks like.
 */
export async function mqttRoundTrip (input: RoundTripInput): Promise<RoundTripResult> {
  const started = Date.now()
  const options: IClientOptions = {
    protocol: input.protocol,
    host: input.host,
    port: input.port,
    protocolVersion: 4,
    clientId: `siar-doctor-${randomBytes(4).toString('hex')}`,
    reconnectPeriod: 0,
    connectTimeout: input.timeoutMs,
    clean: true,
    ...(input.path ? { path: input.path } : {}),
    ...(input.username !== undefined ? { username: input.username } : {}),
    ...(input.password !== undefined ? { password: input.password } : {}),
    ...(input.insecure ? { rejectUnauthorized: false } : {})
  }
  const client = mqtt.connect(options)
  try {
    await connected(client, input.timeoutMs)
  } catch (err) {
    client.end(true)
    return connectFailure(err as Error & { code?: string | number })
  }
  try {
    const topic = `siar-doctor/${options.clientId as string}`
    const granted = await client.subscribeAsync(topic, { qos: 1 })
    if (granted[0]?.qos === 128) return { ok: false, stage: 'subscribe', kind: 'refused', detail: `the broker refused the subscription to ${topic} (SUBACK 0x80)` }
    const arrived = new Promise<void>((resolve) => client.on('message', (t) => { if (t === topic) resolve() }))
    await client.publishAsync(topic, 'ping', { qos: 1 })
    const timedOut = await Promise.race([arrived.then(() => false), delay(input.timeoutMs).then(() => true)])
    if (timedOut) return { ok: false, stage: 'deliver', kind: 'timeout', detail: `the message published to ${topic} did not come back within ${input.timeoutMs} ms (an ACL may deny publishing or reading it)` }
    return { ok: true, ms: Date.now() - started }
  } catch (err) {
    return { ok: false, stage: 'subscribe', kind: 'mqtt', detail: (err as Error).message }
  } finally {
    await client.endAsync().catch(() => client.end(true))
  }
}

function connected (client: MqttClient, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(`no CONNACK within ${timeoutMs} ms`), { code: 'TIMEOUT' })), timeoutMs)
    client.once('connect', () => { clearTimeout(timer); resolve() })
    client.once('error', (err) => { clearTimeout(timer); reject(err) })
    // A peer that closes without an MQTT answer (an HTTP server, a wrong port).
    client.once('close', () => { clearTimeout(timer); reject(Object.assign(new Error('the connection closed without a CONNACK'), { code: 'CLOSED' })) })
  })
}

function connectFailure (err: Error & { code?: string | number }): RoundTripResult {
  const code = err.code
  if (code === 4 || code === 5 || code === 0x86 || code === 0x87) {
    return { ok: false, stage: 'connect', kind: 'auth', detail: err.message, returnCode: code }
  }
  if (typeof code === 'number') return { ok: false, stage: 'connect', kind: 'refused', detail: err.message, returnCode: code }
  if (code === 'TIMEOUT' || /connack timeout/i.test(err.message)) return { ok: false, stage: 'connect', kind: 'timeout', detail: err.message }
  if (code === 'CLOSED' || /parse|invalid|unknown/i.test(err.message)) return { ok: false, stage: 'connect', kind: 'mqtt', detail: err.message }
  return { ok: false, stage: 'connect', kind: 'network', detail: typeof code === 'string' ? code : err.message }
}

function delay (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
