// Subscribe with a topic pattern and a JSON codec, and read messages with for await.
// Run: MQTT_URL=mqtt://localhost:1883 node examples/client/sensors.mjs
import { codecs, connect, topic } from '@siar/client'

const url = process.env.MQTT_URL ?? 'mqtt://localhost:1883'
const temperature = topic('sensors/:room/temp') // filter: sensors/+/temp

const client = await connect(url)
const readings = client.subscribe(temperature, { codec: codecs.json(), qos: 1 })
await readings.ready

await client.publish(temperature.build({ room: 'kitchen' }), { celsius: 21.5 }, { codec: codecs.json(), qos: 1 })
await client.publish(temperature.build({ room: 'attic' }), 'not json', { qos: 1 })
await client.publish(temperature.build({ room: 'hall' }), { celsius: 19 }, { codec: codecs.json(), qos: 1 })

let seen = 0
for await (const m of readings) {
  // A payload the codec cannot decode is a message with decodeError, not an exception.
  if (m.decodeError) console.log(`${m.params.room}: skipped (${m.decodeError.code})`)
  else console.log(`${m.params.room}: ${m.value.celsius} °C`)
  if (++seen === 3) break // leaving the loop unsubscribes
}
await client.end()
