import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectMqtt, getFreePort, startTestBroker } from '@siar/testing'
import { startExplore } from '../src/commands/explore.js'
import { buildPage, collectPageErrors, expandTopic, openBrowser } from './explore-browser.js'

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, with the openssl CLI. */
function makePki (dir: string): { ca: string, serverCert: string, serverKey: string, clientCert: string, clientKey: string } {
  const p = (name: string): string => join(dir, name)
  const openssl = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' }) }
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=explore test CA', '-keyout', p('ca.key'), '-out', p('ca.crt'))
  writeFileSync(p('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  for (const [name, cn, ext] of [['server', 'localhost', 'server.ext'], ['client', 'explorer-user', '']] as const) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`))
    openssl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2',
      '-out', p(`${name}.crt`), ...(ext ? ['-extfile', p(ext)] : []))
  }
  return { ca: p('ca.crt'), serverCert: p('server.crt'), serverKey: p('server.key'), clientCert: p('client.crt'), clientKey: p('client.key') }
}

/**
 * A broker that requires a client certificate: a browser cannot present one,
 * so `siar explore` relays with it, for mqtts:// and for wss:// targets.
 */
test('siar explore relays to TLS brokers that require a client certificate', async (t) => {
  const after = (fn: () => unknown): void => { t.after(fn) }
  const dir = mkdtempSync(join(tmpdir(), 'siar-explore-pki-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const pki = makePki(dir)
  const tlsPort = await getFreePort()
  const wssPort = await getFreePort()
  const tb = await startTestBroker({
    port: 0, wsPort: 0,
    tls: { port: tlsPort, wssPort, cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requireClientCert: true }
  })
  t.after(() => tb.close())
  const tls = { ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) }
  const pub = await connectMqtt(`mqtts://127.0.0.1:${tlsPort}`, { ...tls, protocolVersion: 5 })
  t.after(() => pub.endAsync())
  await pub.publishAsync('secure/door', 'locked', { qos: 1, retain: true })

  const webDir = await buildPage(after)
  const context = await openBrowser(after)
  for (const url of [`mqtts://127.0.0.1:${tlsPort}`, `wss://127.0.0.1:${wssPort}/mqtt`]) {
    await t.test(url.split(':')[0] as string, async () => {
      const running = await startExplore({ url, port: 0, webDir, tls })
      t.after(() => running.close())
      assert.equal(running.relayed, true)
      const page = await context.newPage()
      const errors = collectPageErrors(page)
      await page.goto(running.url)
      await page.locator('[data-testid="status"]', { hasText: 'connected' }).waitFor({ timeout: 10_000 })
      await page.locator('.row[data-topic="secure"]').waitFor()
      await expandTopic(page, 'secure')
      assert.match(await page.locator('.row[data-topic="secure/door"]').innerText(), /locked/)
      await page.close()
      assert.deepEqual(errors, [])
    })
  }
})
