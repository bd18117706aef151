/// <reference lib="dom" />
// Bundled with esbuild for the browser test: the SDK as a web page uses it.
import { codecs, connect, topic } from '../../src/index.js'

const out = document.getElementById('out') as HTMLElement
const status = document.getElementById('status') as HTMLElement
const wsUrl = new URLSearchParams(location.search).get('ws') ?? ''

const greeting = topic('browser/:room/hello')

async function main (): Promise<void> {
  const client = await connect(wsUrl, { reconnect: false })
  const sub = client.subscribe(greeting, { codec: codecs.json<{ text: string }>(), qos: 1 })
  await sub.ready
  const reply = await client.request('browser/echo', 'ping', { timeoutMs: 5000, responseCodec: codecs.text })
  status.textContent = `subscribed; echo said ${reply.value}`
  for await (const m of sub) {
    const line = document.createElement('li')
    line.textContent = m.decodeError ? `error: ${m.decodeError.message}` : `${m.params.room}: ${m.value.text}`
    out.appendChild(line)
    // Bytes from the browser: the SDK must not need a global Buffer to publish them.
    await client.publish('browser/ack', new Uint8Array([0x01, 0x02, m.payload.length]), { qos: 1 })
    if (out.children.length >= 2) break
  }
  status.textContent = 'done'
  await client.end()
}

main().catch((err: Error) => { status.textContent = `failed: ${err.message}` })
