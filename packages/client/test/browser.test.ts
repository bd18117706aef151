import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { build } from 'esbuild'
import { chromium } from 'playwright-core'
import { connectMqtt, MessageCollector, startTestBroker } from '@siar/testing'
import { connect } from '../src/index.js'

const ENTRY = fileURLToPath(new URL('./browser/page-entry.ts', import.meta.url))
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url))
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

const PAGE = `<!doctype html><meta charset="utf-8"><title>@siar/client in a browser</title>
<h1>@siar/client over WebSocket</h1><p id="status">loading</p><ul id="out"></ul>
<script type="module" src="/bundle.js"></script>`

test('a web page uses the SDK over WebSocket and shows a received message', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-client-browser-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  // platform 'browser' picks mqtt.js' browser build and fails the build on any node-only import.
  const result = await build({ entryPoints: [ENTRY], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: join(dir, 'bundle.js'), logLevel: 'silent', metafile: true })
  const inputs = Object.keys(result.metafile.inputs)
  assert.ok(inputs.some((i) => i.endsWith('mqtt/dist/mqtt.esm.js')), 'bundled mqtt.js browser build')
  assert.ok(!inputs.some((i) => /(^|\/)node:|mqtt\/build\//.test(i)), 'no node build of mqtt.js, no node: modules')
  const bundle = readFileSync(join(dir, 'bundle.js'))

  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/bundle.js')) res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle)
    else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); server.close() })
  const pagePort = (server.address() as { port: number }).port

  const broker = await startTestBroker()
  t.after(() => broker.close())
  // The page asks browser/echo first: a Node SDK client serves it.
  const responder = await connect(broker.mqttUrl, { reconnect: false })
  t.after(() => responder.end(true))
  await responder.serve('browser/echo', (req) => `pong (${req.payload.toString()})`).ready
  const watcher = await connectMqtt(broker.mqttUrl, { protocolVersion: 5 })
  t.after(() => watcher.end(true))
  const acks = new MessageCollector(watcher)
  await watcher.subscribeAsync('browser/ack', { qos: 1 })

  const profile = mkdtempSync(join(tmpdir(), 'siar-chromium-'))
  t.after(() => rmSync(profile, { recursive: true, force: true }))
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true })
  t.after(() => context.close())
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  await page.goto(`http://127.0.0.1:${pagePort}/?ws=${encodeURIComponent(broker.wsUrl)}`)
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('subscribed') || document.getElementById('status')?.textContent?.startsWith('failed'), undefined, { timeout: 15_000 })
  assert.equal(await page.textContent('#status'), 'subscribed; echo said pong (ping)', pageErrors.join('\n'))

  await watcher.publishAsync('browser/kitchen/hello', JSON.stringify({ text: 'hello from node' }), { qos: 1 })
  await watcher.publishAsync('browser/attic/hello', '{oops', { qos: 1 })
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'done', undefined, { timeout: 10_000 })
  const items = await page.locator('#out li').allTextContents()
  assert.equal(items[0], 'kitchen: hello from node')
  assert.match(items[1] ?? '', /^error: cannot decode the 5-byte payload on browser\/attic\/hello as json/)
  const got = await acks.waitForCount(2)
  assert.deepEqual([...got[0]!.packet.payload as Buffer], [1, 2, 26])
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS, 'client-browser.png') })
  assert.deepEqual(pageErrors, [])
})
