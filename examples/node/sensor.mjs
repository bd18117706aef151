// A sensor with @siar/client: publishes a temperature reading every few
// seconds, obeys commands, and keeps a retained online/offline status with a
// last will. The same topics as the ESP32, MicroPython and Python examples.
//
// Run (the login is what `siar start --lan` prints):
//   MQTT_URL=mqtt://192.168.1.23:1883 MQTT_USERNAME=device MQTT_PASSWORD=... node sensor.mjs
import { codecs, connect } from '@siar/client'

const url = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883'
const device = process.env.DEVICE_ID ?? 'node-1'
const intervalMs = Number(process.env.INTERVAL_SECONDS ?? '5') * 1000
const topics = {
  temp: `sensors/${device}/temp`,
  cmd: `devices/${device}/cmd`,
  status: `devices/${device}/status`
}

let client
try {
  client = await connect(url, {
    username: process.env.MQTT_USERNAME,
    password: process.env.MQTT_PASSWORD,
    clientId: `${device}-${process.pid}`,
    // Published by the broker if this process vanishes without a goodbye.
    will: { topic: topics.status, payload: Buffer.from('offline'), qos: 1, retain: true }
  })
} catch (err) {
  // The error says what to fix: ECONNREFUSED 127.0.0.1:1883, not authorized (0x87), ...
  console.log(`cannot connect to ${url}: ${err.message} (try: siar doctor)`)
  process.exit(1)
}
console.log(`connected to ${url} as ${device}`)
await client.publish(topics.status, 'online', { qos: 1, retain: true })

const commands = client.subscribe(topics.cmd, { codec: codecs.text, qos: 1 })
await commands.ready
console.log(`listening for commands on ${topics.cmd}`)

const sendReading = async () => {
  const celsius = Math.round((21 + (Math.random() * 3 - 1.5)) * 10) / 10
  await client.publish(topics.temp, String(celsius), { qos: 1 })
  console.log(`published ${topics.temp} ${celsius}`)
}
await sendReading()
const timer = setInterval(() => { sendReading().catch((err) => console.log(`publish failed: ${err.message}`)) }, intervalMs)

// Commands arrive in order; the loop ends on "stop" (leaving it unsubscribes).
for await (const m of commands) {
  console.log(`command: ${m.value}`)
  if (m.value === 'stop') break
}
clearInterval(timer)
// A clean goodbye: the broker drops the will, so say "offline" ourselves.
await client.publish(topics.status, 'offline', { qos: 1, retain: true })
await client.end()
console.log('bye')
