// MQTT 5 request/response: one client serves, another asks.
// Run: MQTT_URL=mqtt://localhost:1883 node examples/client/request-reply.mjs
import { codecs, connect, topic } from '@siar/client'

const url = process.env.MQTT_URL ?? 'mqtt://localhost:1883'
const math = topic('services/math/:op')

const server = await connect(url)
const service = server.serve(math, (req) => {
  const { a, b } = req.value
  if (req.params.op === 'add') return { result: a + b }
  if (req.params.op === 'div' && b !== 0) return { result: a / b }
  throw new Error(`cannot ${req.params.op} ${a} and ${b}`)
}, { codec: codecs.json(), responseCodec: codecs.json() })
await service.ready

const caller = await connect(url)
const ask = (op, a, b) => caller.request(math.build({ op }), { a, b }, {
  codec: codecs.json(), responseCodec: codecs.json(), timeoutMs: 2000
})

console.log('2 + 3 =', (await ask('add', 2, 3)).value.result)
try {
  await ask('div', 1, 0)
} catch (err) {
  console.log('div failed:', err.code, '-', err.message)
}
try {
  await caller.request('services/nobody', 'ping', { timeoutMs: 200 })
} catch (err) {
  console.log('no responder:', err.code)
}
await Promise.all([caller.end(), server.end()])
