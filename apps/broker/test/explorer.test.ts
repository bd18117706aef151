import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, request, type Server } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync, gunzipSync } from 'node:zlib'
import { parseOptions } from '@siar/core'
import { createExplorerHandler, explorerConfigFor } from '../src/explorer.js'

interface Reply { status: number, headers: Record<string, string | string[] | undefined>, body: Buffer }

function get (port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, method }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.once('error', reject)
    req.end()
  })
}

async function serve (t: { after: (fn: () => unknown) => void }, handler: ReturnType<typeof createExplorerHandler>): Promise<number> {
  const server: Server = createServer((req, res) => { void handler(req, res) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return (server.address() as { port: number }).port
}

test('explorer handler: page files, gzip twins, ETag, config, and no way out of the web dir', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-explorer-static-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const html = '<!doctype html><title>x</title>'
  writeFileSync(join(dir, 'index.html'), html)
  writeFileSync(join(dir, 'app.js'), 'console.log(1)')
  writeFileSync(join(dir, 'app.js.gz'), gzipSync('console.log(1)'))
  writeFileSync(join(tmpdir(), 'siar-outside.txt'), 'secret')
  const port = await serve(t, createExplorerHandler({ webDir: dir, config: () => ({ servedBy: 'broker', label: 'siar test', connect: null, authRequired: false }) }))

  const index = await get(port, '/')
  assert.equal(index.status, 200)
  assert.equal(index.body.toString(), html)
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8')
  assert.match(String(index.headers['content-security-policy']), /frame-ancestors 'none'/)

  const gz = await get(port, '/app.js', { 'accept-encoding': 'gzip, br' })
  assert.equal(gz.headers['content-encoding'], 'gzip')
  assert.equal(gunzipSync(gz.body).toString(), 'console.log(1)')
  const plain = await get(port, '/app.js')
  assert.equal(plain.headers['content-encoding'], undefined)
  assert.equal(plain.body.toString(), 'console.log(1)')
  const again = await get(port, '/app.js', { 'if-none-match': String(plain.headers.etag) })
  assert.equal(again.status, 304)

  const config = await get(port, '/explorer-config.json?x=1')
  assert.deepEqual(JSON.parse(config.body.toString()), { servedBy: 'broker', label: 'siar test', connect: null, authRequired: false })

  for (const path of ['/../siar-outside.txt', '/%2e%2e/siar-outside.txt', '/..%2fsiar-outside.txt', '/missing.js']) {
    assert.equal((await get(port, path)).status, 404, path)
  }
  assert.equal((await get(port, '/', {}, 'POST')).status, 405)
  rmSync(join(tmpdir(), 'siar-outside.txt'), { force: true })
})

test('explorer config: the ws listener on the browser\'s host name; login when anonymous clients are refused', () => {
  const listeners = [
    { kind: 'mqtt' as const, host: '0.0.0.0', port: 1883, url: 'mqtt://0.0.0.0:1883' },
    { kind: 'ws' as const, host: '0.0.0.0', port: 8083, url: 'ws://0.0.0.0:8083/mqtt' }
  ]
  const open = explorerConfigFor({ listeners, version: '1.2.3', options: parseOptions({ host: '127.0.0.1', wsPath: '/mqtt' }) })
  assert.deepEqual(open, { servedBy: 'broker', label: 'siar 1.2.3', connect: { protocol: 'ws', port: 8083, path: '/mqtt' }, authRequired: false })

  const locked = explorerConfigFor({ listeners, version: '1.2.3', options: parseOptions({ host: '0.0.0.0', auth: { passwordFile: '/etc/siar/passwd' } }) })
  assert.equal(locked.authRequired, true)
  assert.equal(locked.connect?.host, undefined, 'the page uses location.hostname')

  const anonymousToo = explorerConfigFor({ listeners, version: '1', options: parseOptions({ host: '0.0.0.0', allowAnonymous: true, auth: { passwordFile: '/etc/siar/passwd' } }) })
  assert.equal(anonymousToo.authRequired, false)

  const noWs = explorerConfigFor({ listeners: listeners.slice(0, 1), version: '1', options: parseOptions({}) })
  assert.equal(noWs.connect, null)
})

test('runServer serves the built explorer at / and points it at its own ws listener', async (t) => {
  const { getFreePort } = await import('@siar/testing')
  const { runServer } = await import('../src/run-server.js')
  const { PassThrough } = await import('node:stream')
  const [port, wsPort, httpPort] = [await getFreePort(), await getFreePort(), await getFreePort()]
  const server = await runServer({
    flags: { port, wsPort, httpPort, logLevel: 'silent' },
    env: {},
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    handleSignals: false
  })
  assert.ok(server, 'the server started')
  t.after(() => server.stop())
  const page = await get(httpPort, '/')
  // Needs the explorer's build (npm test builds first): the hint says so otherwise.
  assert.equal(page.status, 200, page.body.toString())
  assert.match(page.body.toString(), /<script type="module" src="app.js"><\/script>/)
  const config = JSON.parse((await get(httpPort, '/explorer-config.json')).body.toString())
  assert.deepEqual(config.connect, { protocol: 'ws', port: wsPort, path: '/mqtt' })
  assert.equal((await get(httpPort, '/healthz')).status, 200, 'exact routes still win over the explorer')
})
