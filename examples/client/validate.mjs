// Plug any validator into the JSON codec (here a hand-written one; zod's
// `Schema.parse` or a wrapped ajv validator fit the same slot), and write a
// codec of your own for another format.
// Run: MQTT_URL=mqtt://localhost:1883 node examples/client/validate.mjs
import { codecs, connect } from '@siar/client'

const url = process.env.MQTT_URL ?? 'mqtt://localhost:1883'

const order = codecs.json({
  validate (value) {
    if (typeof value?.id !== 'string' || !Number.isInteger(value?.qty) || value.qty < 1) {
      throw new Error('expected { id: string, qty: integer >= 1 }')
    }
    return value
  }
})

// key=value;key=value, as a codec
const kv = {
  name: 'kv',
  contentType: 'text/x-kv',
  encode: (obj) => Object.entries(obj).map(([k, v]) => `${k}=${v}`).join(';'),
  decode: (bytes) => Object.fromEntries(new TextDecoder().decode(bytes).split(';').map((p) => p.split('=')))
}

const client = await connect(url)
const orders = client.subscribe('shop/orders', { codec: order, qos: 1 })
const status = client.subscribe('shop/status', { codec: kv, qos: 1 })
await Promise.all([orders.ready, status.ready])

await client.publish('shop/orders', '{"id":"A1","qty":2}', { qos: 1 })
await client.publish('shop/orders', '{"id":"A2","qty":0}', { qos: 1 })
await client.publish('shop/status', { open: 'yes', staff: 3 }, { codec: kv, qos: 1 })

let n = 0
for await (const m of orders) {
  console.log(m.decodeError ? `rejected: ${m.decodeError.message}` : `order ${m.value.id} x${m.value.qty}`)
  if (++n === 2) break
}
for await (const m of status) {
  console.log('status:', JSON.stringify(m.value), m.properties?.contentType ?? '(3.1.1: no content type)')
  break
}
await client.end()
