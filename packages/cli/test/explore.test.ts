import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect as tcpConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'node:http'
import { WebSocket } from 'ws'
import { getFreePort, spawnTracked, waitFor, withTimeout } from '@siar/testing'
import { startExplore } from '../src/commands/explore.js'
import { buildPage, collectPageErrors, expandTopic, openBrowser, screenshot } from './explore-browser.js'

function canConnect (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ port, host: '127.0.0.1' })
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => { s.destroy(); resolve(false) })
  })
}

/**
 * Mosquitto 2: plain TCP on loopback, anonymous allowed, no WebSocket (a
 * browser cannot reach it). $SYS every second, so a test can see when a
 * subscriber has subscribed.
 */
async function startMosquitto (after: (fn: () => unknown) => void): Promise<number> {
  const port = await getFreePort()
  const dir = mkdtempSync(join(tmpdir(), 'siar-explore-mosquitto-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nsys_interval 1\n`)
  const proc = spawnTracked('mosquitto', ['-c', conf])
  after(() => proc.stop())
  const state = await waitFor(async () => proc.child.exitCode !== null ? 'exited' : await canConnect(port) && 'up', `mosquitto on ${port}`, 10_000, 25)
  if (state === 'exited') throw new Error(`mosquitto exited: ${proc.output()}`)
  return port
}

test('siar explore relays the page to a plain-TCP broker (Mosquitto)', async (t) => {
  const after = (fn: () => unknown): void => { t.after(fn) }
  const brokerPort = await startMosquitto(after)
  const webDir = await buildPage(after)
  const running = await startExplore({ url: `mqtt://127.0.0.1:${brokerPort}`, port: 0, webDir })
  t.after(() => running.close())
  assert.equal(running.relayed, true)

  const context = await openBrowser(after)
  const page = await context.newPage()
  const errors = collectPageErrors(page)
  await page.goto(running.url)
  await page.locator('[data-testid="status"]', { hasText: 'connected' }).waitFor({ timeout: 10_000 })
  assert.equal(running.relay?.connections, 1)
  assert.match(await page.locator('header .label').innerText(), new RegExp(`mqtt://127\\.0\\.0\\.1:${brokerPort}`))

  await t.test('messages from the broker reach the page', async () => {
    const pub = spawnTracked('mosquitto_pub', ['-p', String(brokerPort), '-t', 'relay/in', '-m', '{"hello":"relay"}', '-r', '-q', '1'])
    assert.equal(await withTimeout(pub.exited, 'mosquitto_pub'), 0, pub.output())
    await page.locator('.row[data-topic="relay"]').waitFor()
    await expandTopic(page, 'relay')
    await page.locator('.row[data-topic="relay/in"] .badge.retained').waitFor()
    assert.match(await page.locator('.row[data-topic="relay/in"]').innerText(), /"hello":"relay"/)
    await screenshot(page, 'explore-relay')
  })

  await t.test('the page publishes through the relay', async () => {
    const sub = spawnTracked('mosquitto_sub', ['-p', String(brokerPort), '-t', 'relay/out', '-C', '1', '-W', '15'])
    t.after(() => sub.stop())
    // The page (`#`, `$SYS/#`) and mosquitto_sub; the probe gets the retained count from before it subscribed.
    await waitFor(async () => {
      const probe = spawnTracked('mosquitto_sub', ['-p', String(brokerPort), '-t', '$SYS/broker/subscriptions/count', '-C', '1', '-W', '5'])
      await probe.exited
      return Number(probe.output().trim()) >= 3
    }, 'mosquitto_sub to subscribe', 15_000, 200)
    await page.click('button[data-tab="publish"]')
    const form = page.locator('[data-testid="publish-form"]')
    await form.locator('input[name="topic"]').fill('relay/out')
    await form.locator('textarea[name="payload"]').fill('from the page')
    await form.locator('button[type="submit"]').click()
    assert.equal(await withTimeout(sub.exited, 'mosquitto_sub to exit'), 0, sub.output())
    assert.equal(sub.output().trim(), 'from the page')
  })

  await t.test('the relay refuses other origins and host names', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${running.port}/relay`, 'mqtt', { origin: 'http://evil.example' })
    const status = await withTimeout(new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.once('open', () => resolve(101))
      ws.once('error', () => {})
    }), 'the relay to answer')
    ws.terminate()
    assert.equal(status, 401)
    const hostStatus = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: running.port, path: '/', headers: { host: 'evil.example' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.once('error', reject)
      req.end()
    })
    assert.equal(hostStatus, 421)
  })

  assert.deepEqual(errors, [])
})

test('siar explore lets the browser connect directly to a ws:// broker', async (t) => {
  const webDir = await buildPage((fn) => { t.after(fn) })
  const running = await startExplore({ url: 'ws://broker.example:9001/mqtt', port: 0, webDir, username: 'ann' })
  t.after(() => running.close())
  assert.equal(running.relayed, false)
  const res = await fetch(`${running.url}explorer-config.json`)
  assert.deepEqual(await res.json(), {
    servedBy: 'explore',
    label: 'ws://broker.example:9001/mqtt',
    connect: { protocol: 'ws', host: 'broker.example', port: 9001, path: '/mqtt' },
    authRequired: false,
    username: 'ann'
  })
})

test('siar explore is listed among the CLI commands', async () => {
  const { main } = await import('../src/main.js')
  let out = ''
  const sink = { write: (s: string | Uint8Array) => { out += String(s); return true } } as unknown as NodeJS.WritableStream
  const code = await main(['--help'], { stdout: sink, stderr: sink, stdin: process.stdin, env: {} })
  assert.equal(code, 0)
  assert.match(out, /explore \[options\] \[url\]\s+open the web explorer for any broker/)
})
