import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectMqtt } from '@siar/testing'
import { buildPage, collectPageErrors, openBrowser, screenshot, startExplorerBroker } from './support/browser.js'

/**
 * A broker with a password file refuses anonymous clients: the page must show
 * its login (the connect form) and not try to connect on its own; the
 * credentials typed there are the MQTT credentials.
 */
test('with authentication on, the page asks for a login and does not connect anonymously', async (t) => {
  const after = (fn: () => unknown): void => { t.after(fn) }
  const dir = mkdtempSync(join(tmpdir(), 'siar-explorer-auth-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const passwordFile = join(dir, 'passwd')
  execFileSync('mosquitto_passwd', ['-c', '-b', passwordFile, 'ann', 's3cret'])
  // ann may only read lab/#: the page's default `#` and `$SYS/#` are refused.
  const aclFile = join(dir, 'acl')
  writeFileSync(aclFile, 'user ann\ntopic readwrite lab/#\n')
  const webDir = await buildPage(after)
  const tb = await startExplorerBroker(after, webDir, { auth: { passwordFile, aclFile } })
  const attempts: string[] = []
  tb.broker.aedes.on('client', (c) => attempts.push(`client ${c.id}`))
  tb.broker.aedes.on('connectionError', (_c, err) => attempts.push(`refused ${err.message}`))

  const config = await (await fetch(`${tb.httpUrl}/explorer-config.json`)).json() as { authRequired: boolean }
  assert.equal(config.authRequired, true)

  const context = await openBrowser(after)
  const page = await context.newPage()
  const errors = collectPageErrors(page)
  await page.goto(`${tb.httpUrl}/`)
  const form = page.locator('[data-testid="connect-form"]')
  await form.locator('h2', { hasText: 'Log in to the broker' }).waitFor()
  // The page's startup is done once it answers a round trip; no connection was tried by then.
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))')
  assert.equal(attempts.length, 0, attempts.join('; '))
  assert.equal(await page.locator('[data-testid="status"]').innerText(), 'idle')
  await screenshot(page, 'login')

  await form.locator('input[name="username"]').fill('ann')
  await form.locator('input[name="password"]').fill('wrong')
  await form.locator('button[type="submit"]').click()
  await form.locator('[role="alert"]', { hasText: /not authorized|bad user name or password/i }).waitFor()

  await form.locator('input[name="password"]').fill('s3cret')
  // A saved profile keeps the password only when the box is ticked.
  await form.locator('input[name="profileName"]').fill('lab')
  await form.locator('button:text("Save profile")').click()
  const saved = await page.evaluate('JSON.parse(localStorage.getItem("siar-explorer.profiles.v1"))') as Array<{ name: string, username: string, password: string }>
  assert.deepEqual(saved.map((p) => [p.name, p.username, p.password]), [['lab', 'ann', '']])
  await form.locator('button[type="submit"]').click()
  await form.locator('[role="alert"]', { hasText: 'the broker refused every subscription' }).waitFor()

  // One allowed filter is enough to connect; the refused one is reported.
  await form.locator('textarea[name="subscriptions"]').fill('lab/#\n#')
  await form.locator('button[type="submit"]').click()
  await page.locator('[data-testid="status"]', { hasText: 'connected' }).waitFor()
  assert.match(await page.locator('.warning').innerText(), /The broker refused: # \(/)
  assert.ok(attempts.some((a) => a.startsWith('client siar-explorer-')), attempts.join('; '))
  const pub = await connectMqtt(tb.mqttUrl, { username: 'ann', password: 's3cret' })
  t.after(() => pub.endAsync())
  await pub.publishAsync('lab/bench', 'ok')
  await page.locator('.row[data-topic="lab"]').waitFor()
  await screenshot(page, 'login-connected')
  assert.deepEqual(errors.filter((e) => !/WebSocket/.test(e)), [])
})
