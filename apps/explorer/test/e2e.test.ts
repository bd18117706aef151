import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { connectMqtt, spawnTracked, withTimeout, type TestBroker } from '@siar/testing'
import { buildPage, clickTopic, collectPageErrors, expandTopic, openBrowser, screenshot, startExplorerBroker } from './support/browser.js'

/**
 * The explorer page, served by a real broker, driven in Debian Chromium:
 * tree, detail, v5 properties, chart, publish, delete retained, export.
 * One broker and one page for the file; each test works under its own topics.
 */
test('explorer served by the broker', async (t) => {
  const after = (fn: () => unknown): void => { t.after(fn) }
  const webDir = await buildPage(after)
  // $SYS every second, so the broker panel has live numbers to show.
  const tb = await startExplorerBroker(after, webDir, { sys: { intervalSeconds: 1 } })
  const context = await openBrowser(after)
  const page = await context.newPage()
  const errors = collectPageErrors(page)
  const pub = await connectMqtt(tb.mqttUrl, { protocolVersion: 5 })
  t.after(() => pub.endAsync())

  await page.goto(`${tb.httpUrl}/`)
  // Served by the broker with no login needed: it connects on open.
  await page.locator('[data-testid="status"]', { hasText: 'connected' }).waitFor({ timeout: 10_000 })

  await t.test('published messages appear in the tree with counts and previews', async () => {
    await pub.publishAsync('home/kitchen/temp', '21.5')
    await pub.publishAsync('home/kitchen/temp', '21.7')
    await pub.publishAsync('home/hall/light', 'on')
    await page.locator('.row[data-topic="home"]').waitFor()
    await expandTopic(page, 'home')
    await expandTopic(page, 'home/kitchen')
    const row = page.locator('.row[data-topic="home/kitchen/temp"]')
    await row.locator('.count', { hasText: '2' }).waitFor()
    assert.match(await row.innerText(), /21\.7/)
    assert.match(await page.locator('.row[data-topic="home"]').innerText(), /2 · 3/, 'branch shows topics · messages')
    await screenshot(page, 'tree')
  })

  await t.test('arrow keys move through the tree', async () => {
    await clickTopic(page, 'home')
    for (const key of ['ArrowDown', 'ArrowDown', 'ArrowRight']) await page.keyboard.press(key)
    await page.locator('.detail[data-topic="home/kitchen/temp"]').waitFor()
    await page.keyboard.press('ArrowLeft')
    await page.locator('.detail[data-topic="home/kitchen"]').waitFor()
  })

  await t.test('the filter narrows the tree to matching topics', async () => {
    await page.fill('input.filter', 'light')
    await page.locator('.row[data-topic="home/hall/light"]').waitFor()
    assert.equal(await page.locator('.row[data-topic="home/kitchen/temp"]').count(), 0)
    await page.fill('input.filter', '')
  })

  await t.test('MQTT 5 user properties and other properties are shown', async () => {
    await pub.publishAsync('props/device', 'hello', {
      qos: 1,
      properties: {
        userProperties: { site: 'north', firmware: ['1.2', '1.3'] },
        contentType: 'text/plain',
        responseTopic: 'props/reply',
        correlationData: Buffer.from('req-42')
      }
    })
    await page.locator('.row[data-topic="props"]').waitFor()
    await expandTopic(page, 'props')
    await clickTopic(page, 'props/device')
    const user = page.locator('[data-testid="user-properties"]')
    await user.waitFor()
    const text = await user.innerText()
    assert.match(text, /site\s+north/)
    assert.match(text, /firmware\s+1\.2/)
    assert.match(text, /firmware\s+1\.3/)
    const meta = await page.locator('[data-testid="message-meta"]').innerText()
    assert.match(meta, /Content Type\s+text\/plain/)
    assert.match(meta, /Response Topic\s+props\/reply/)
    assert.match(meta, /Correlation Data\s+req-42/)
    assert.match(meta, /QoS\s+1/)
    await screenshot(page, 'user-properties')
  })

  await t.test('a numeric JSON field is charted, and the field can be chosen', async () => {
    for (let i = 0; i < 6; i++) {
      await pub.publishAsync('plant/sensor1', JSON.stringify({ temp: 20 + i, env: { humidity: 40 + 2 * i }, name: 'boiler' }))
    }
    await page.locator('.row[data-topic="plant"]').waitFor()
    await expandTopic(page, 'plant')
    await clickTopic(page, 'plant/sensor1')
    const chart = page.locator('[data-testid="chart"]')
    await page.locator('[data-testid="chart"][data-points="6"]').waitFor()
    assert.match(await chart.locator('figcaption').innerText(), /temp: last 25, min 20, max 25, 6 points/)
    await page.selectOption('[data-testid="chart-field"]', 'env.humidity')
    await chart.locator('figcaption', { hasText: 'env.humidity: last 50' }).waitFor()
    // The diff view shows what changed from the previous message.
    await page.click('.detail .tabs button:text("Diff")')
    const diff = await page.locator('[data-testid="diff"]').innerText()
    assert.match(diff, /^- +"temp": 24,$/m)
    assert.match(diff, /^\+ +"temp": 25,$/m)
    await screenshot(page, 'chart')
  })

  await t.test('publishing from the form reaches mosquitto_sub', async () => {
    const ready = subscribed(tb, 'form/out')
    const sub = spawnTracked('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(tb.port), '-t', 'form/out', '-C', '1', '-W', '15', '-v', '-V', 'mqttv5', '-F', '%t %p %P'])
    t.after(() => sub.stop())
    await ready
    await page.click('button[data-tab="publish"]')
    const form = page.locator('[data-testid="publish-form"]')
    await form.locator('input[name="topic"]').fill('form/out')
    await form.locator('textarea[name="payload"]').fill('{"from":"the form"}')
    await form.locator('select[name="format"]').selectOption('json')
    await form.locator('select[name="qos"]').selectOption('1')
    await form.locator('button:text("Add user property")').click()
    await form.locator('input[aria-label="user property name"]').fill('origin')
    await form.locator('input[aria-label="user property value"]').fill('explorer')
    await screenshot(page, 'publish-form')
    await form.locator('button[type="submit"]').click()
    await form.locator('.status', { hasText: 'published to form/out' }).waitFor()
    assert.equal(await withTimeout(sub.exited, 'mosquitto_sub to exit'), 0, sub.output())
    assert.match(sub.output(), /^form\/out \{"from":"the form"\} origin:explorer/)
  })

  await t.test('a retained message deleted in the page is gone for a new subscriber', async () => {
    await pub.publishAsync('keep/this', 'stay', { qos: 1, retain: true })
    await page.click('button[data-tab="topic"]')
    await page.locator('.row[data-topic="keep"]').waitFor()
    await expandTopic(page, 'keep')
    await page.locator('.row[data-topic="keep/this"] .badge.retained').waitFor()
    await clickTopic(page, 'keep/this')
    await page.click('.detail button:text("Delete retained")')
    await screenshot(page, 'confirm-delete')
    await page.click('[data-testid="confirm-yes"]')
    await page.locator('.detail .status', { hasText: 'deleted 1 retained message' }).waitFor()
    await page.locator('.row[data-topic="keep/this"] .badge.retained').waitFor({ state: 'detached' })
    assert.equal(await firstMessageForNewSubscriber(tb, 'keep/this'), 'marker', 'no retained message was delivered first')
  })

  await t.test('retained messages under a branch are deleted after confirmation', async () => {
    for (const n of [1, 2, 3]) await pub.publishAsync(`fleet/car${n}/state`, `parked ${n}`, { qos: 1, retain: true })
    await page.locator('.row[data-topic="fleet"]').waitFor()
    await clickTopic(page, 'fleet')
    await page.click('.detail button:text("Delete retained below (3)")')
    assert.match(await page.locator('.modal').innerText(), /Delete 3 retained messages under “fleet”/)
    await page.click('[data-testid="confirm-yes"]')
    await page.locator('.detail .status', { hasText: 'deleted 3 retained messages' }).waitFor()
    for (const n of [1, 2, 3]) assert.equal(await firstMessageForNewSubscriber(tb, `fleet/car${n}/state`), 'marker')
  })

  await t.test('export downloads the history of a topic and of a branch', async () => {
    await screenshot(page, 'before-export')
    await clickTopic(page, 'plant')
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.detail button:text("Export JSON")')])
    const json = JSON.parse(readFileSync(await download.path(), 'utf8')) as Array<{ topic: string, payload: string }>
    assert.equal(download.suggestedFilename(), 'plant-branch.json')
    assert.equal(json.length, 6)
    assert.deepEqual(JSON.parse(json[5]?.payload ?? ''), { temp: 25, env: { humidity: 50 }, name: 'boiler' })
    await expandTopic(page, 'home')
    await expandTopic(page, 'home/kitchen')
    await clickTopic(page, 'home/kitchen/temp')
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('.detail button:text("Export CSV")')])
    const lines = readFileSync(await csv.path(), 'utf8').trim().split('\r\n')
    assert.equal(lines[0], 'receivedAt,topic,qos,retain,payloadEncoding,payload,userProperties')
    assert.deepEqual(lines.slice(1).map((l) => l.split(',').slice(1, 6).join(',')), ['home/kitchen/temp,0,false,utf8,21.5', 'home/kitchen/temp,0,false,utf8,21.7'])
  })

  await t.test('the broker panel shows what the page sees', async () => {
    await page.click('button[data-tab="broker"]')
    const panel = page.locator('[data-testid="broker-panel"]')
    await panel.waitFor()
    assert.match(await panel.innerText(), /Topics seen\s+\d+/)
    // From siar's $SYS tree: the page and the test's publisher are connected.
    await panel.locator('tr[data-sys="$SYS/broker/clients/connected"] td', { hasText: /^[2-9]$/ }).waitFor()
    assert.match(await panel.locator('tr[data-sys="$SYS/broker/uptime"] td').innerText(), /^\d+h \d+m \d+s$/)
    await panel.locator('tr[data-sys="$SYS/broker/load/messages/received/1min"]').waitFor()
    await screenshot(page, 'broker-panel')
  })

  await t.test('the history bound is configurable and trims at once', async () => {
    await page.click('button[data-tab="topic"]')
    await clickTopic(page, 'plant/sensor1')
    await page.locator('.detail[data-topic="plant/sensor1"]').waitFor()
    assert.equal(await page.locator('[data-testid="history"] li').count(), 6)
    await page.fill('header input[type="number"]', '2')
    await page.locator('header input[type="number"]').dispatchEvent('change')
    await page.locator('[data-testid="history"] li').nth(2).waitFor({ state: 'detached' })
    assert.equal(await page.locator('[data-testid="history"] li').count(), 2)
  })

  await t.test('after a dropped connection the page reconnects and keeps receiving', async () => {
    const clients = (tb.broker.aedes as unknown as { clients: Record<string, { conn: { destroy: () => void } }> }).clients
    const id = Object.keys(clients).find((c) => c.startsWith('siar-explorer-'))
    assert.ok(id, 'the page is connected')
    clients[id]?.conn.destroy()
    await page.locator('[data-testid="status"]', { hasText: 'reconnecting' }).waitFor()
    await page.locator('[data-testid="status"]', { hasText: 'connected' }).waitFor({ timeout: 15_000 })
    await pub.publishAsync('after/drop', 'still here')
    await page.locator('.row[data-topic="after"]').waitFor()
  })

  await t.test('reconnecting as MQTT 3.1.1 starts a fresh tree and hides the v5 properties', async () => {
    await page.click('button[data-tab="connection"]')
    const form = page.locator('[data-testid="connect-form"]')
    await form.locator('select[name="protocolVersion"]').selectOption('4')
    await form.locator('textarea[name="subscriptions"]').fill('v3/#')
    await form.locator('button[type="submit"]').click()
    // The old tree goes first, then the new connection reports in.
    await page.locator('.row[data-topic="home"]').waitFor({ state: 'detached' })
    await page.locator('[data-testid="status"]', { hasText: 'connected' }).waitFor()
    await pub.publishAsync('v3/hello', 'old protocol', { properties: { userProperties: { dropped: 'yes' } } })
    await page.locator('.row[data-topic="v3"]').waitFor()
    await expandTopic(page, 'v3')
    await clickTopic(page, 'v3/hello')
    await page.locator('[data-testid="payload"]', { hasText: 'old protocol' }).waitFor()
    assert.equal(await page.locator('[data-testid="user-properties"]').count(), 0, 'a 3.1.1 client gets no properties')
    await page.click('button[data-tab="publish"]')
    assert.equal(await page.locator('[data-testid="publish-form"] fieldset').count(), 0)
  })

  assert.deepEqual(errors, [], 'no errors in the page')
})

/** Resolves once some client subscribed to exactly `topic` (listen before starting the subscriber). */
function subscribed (tb: TestBroker, topic: string): Promise<void> {
  return withTimeout(new Promise<void>((resolve) => {
    const onSubscribe = (subs: Array<{ topic: string }>): void => {
      if (!subs.some((s) => s.topic === topic)) return
      tb.broker.aedes.off('subscribe', onSubscribe)
      resolve()
    }
    tb.broker.aedes.on('subscribe', onSubscribe)
  }), `a subscription to ${topic}`)
}

/**
 * What a fresh subscriber receives first on `topic`: a retained message is sent
 * right after SUBACK [MQTT-3.3.1-6], before the marker we publish afterwards.
 */
async function firstMessageForNewSubscriber (tb: TestBroker, topic: string): Promise<string> {
  const sub = await connectMqtt(tb.mqttUrl)
  try {
    const first = new Promise<string>((resolve) => sub.once('message', (_t, payload: Buffer) => resolve(payload.toString())))
    await sub.subscribeAsync(topic, { qos: 1 })
    const other = await connectMqtt(tb.mqttUrl)
    await other.publishAsync(topic, 'marker', { qos: 1 })
    await other.endAsync()
    return await withTimeout(first, `the first message on ${topic}`)
  } finally {
    await sub.endAsync()
  }
}

