// The callback form, typed MQTT 5 properties, and the events a long-running
// client sees (reconnect is on by default: exponential backoff with jitter,
// and publishes made while offline wait in a bounded buffer).
// Run: MQTT_URL=mqtt://localhost:1883 node examples/client/callback.mjs
import { codecs, connect } from '@siar/client'

const url = process.env.MQTT_URL ?? 'mqtt://localhost:1883'

const client = await connect(url, {
  reconnect: { initialDelayMs: 500, maxDelayMs: 30_000, jitter: 0.5 },
  offlineBuffer: { maxMessages: 1000, whenFull: 'reject' }
})
client.on('offline', () => console.log('offline: publishes are buffered'))
client.on('reconnecting', ({ attempt, delayMs }) => console.log(`reconnect attempt ${attempt} in ${delayMs} ms`))
client.on('drop', ({ error }) => console.log('dropped:', error.message))

const done = new Promise((resolve) => {
  client.subscribe('alerts/#', { codec: codecs.text, qos: 1 }).onMessage((m) => {
    const unit = m.properties?.userProperties?.unit ?? '-'
    console.log(`${m.topic}: ${m.value} (unit ${unit}, content type ${m.properties?.contentType})`)
    resolve()
  }).ready.then(() => client.publish('alerts/boiler', 'pressure high', {
    qos: 1,
    properties: { contentType: 'text/plain', userProperties: { unit: 'bar' }, messageExpiryInterval: 60 }
  }))
})
await done
await client.end()
