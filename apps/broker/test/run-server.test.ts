import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getFreePort, spawnTracked, startBrokerProcess, SIAR_BIN, connectWithConnack, nextEvent, waitFor } from '@siar/testing'

/** Run `siar start ...` expecting it to fail; returns exit code and output. */
async function startExpectingFailure (args: string[], env: Record<string, string> = {}): Promise<{ code: number | string, output: string }> {
  const proc = spawnTracked(process.execPath, [SIAR_BIN, 'start', ...args], { env: { ...process.env, SIAR_LOG_LEVEL: 'warn', ...env } })
  const timer = setTimeout(() => { void proc.stop('SIGKILL') }, 15_000)
  const code = await proc.exited
  clearTimeout(timer)
  return { code, output: proc.output() }
}

const noStackTrace = (output: string): void => {
  assert.doesNotMatch(output, /^\s+at .+:\d+:\d+\)?$/m, `no stack trace in:\n${output}`)
}

test('start prints one banner with version, mode and every listener URL, and serves /healthz and /readyz', async (t) => {
  const b = await startBrokerProcess()
  t.after(() => b.stop('SIGKILL'))
  const out = b.process.output()
  assert.match(out, /siar \d+\.\d+\.\d+ \(single node, in-memory\)/)
  assert.match(out, new RegExp(`mqtt://127\\.0\\.0\\.1:${b.port}`))
  assert.match(out, new RegExp(`ws://127\\.0\\.0\\.1:${b.wsPort}/mqtt`))
  assert.match(out, new RegExp(`http://127\\.0\\.0\\.1:${b.httpPort}`))
  const health = await fetch(`${b.httpUrl}/healthz`)
  assert.equal(health.status, 200)
  assert.equal((await health.json() as { status: string }).status, 'ok')
  const ready = await (await fetch(`${b.httpUrl}/readyz`)).json() as { ready: boolean }
  assert.equal(ready.ready, true)
})

test('SIGTERM and SIGINT: v5 clients get DISCONNECT 0x8B, the process exits 0 within 5 s', async () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const b = await startBrokerProcess()
    const { client } = await connectWithConnack(b.mqttUrl, { protocolVersion: 5 })
    // A SUBACK means the broker finished setting the session up (aedes marks a client
    // connected only after it has drained its queue, a few ms after the CONNACK).
    await client.subscribeAsync('ready', { qos: 1 })
    const disconnect = nextEvent<[{ reasonCode?: number }]>(client, 'disconnect', 5000)
    const started = Date.now()
    process.kill(b.process.pid, signal)
    const [packet] = await disconnect
    assert.equal(packet.reasonCode, 0x8b, `${signal}: reason code 0x8B`)
    const code = await b.process.exited
    client.end(true)
    assert.equal(code, 0, `${signal}: exit code 0`)
    assert.ok(Date.now() - started < 5000, `${signal}: stopped within 5 s`)
  }
})

test('a bad config exits non-zero naming the key, the value and what is allowed, without a stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-cfg-'))
  const file = join(dir, 'siar.yaml')
  writeFileSync(file, 'port: 1883\nlimits:\n  maxQueuedMessages: lots\nbogus: true\n')
  const fromFile = await startExpectingFailure(['--config', file])
  assert.notEqual(fromFile.code, 0)
  assert.match(fromFile.output, /limits\.maxQueuedMessages \(from file .*siar\.yaml\): got "lots"; allowed: an integer/)
  assert.match(fromFile.output, /bogus \(from file .*\): got true; allowed: not a known key/)
  noStackTrace(fromFile.output)

  const fromEnv = await startExpectingFailure([], { SIAR_PORT: '99999' })
  assert.notEqual(fromEnv.code, 0)
  assert.match(fromEnv.output, /port \(from env SIAR_PORT\): got 99999; allowed: a port number/)
  noStackTrace(fromEnv.output)

  const missing = await startExpectingFailure(['--config', join(dir, 'nope.yaml')])
  assert.notEqual(missing.code, 0)
  assert.match(missing.output, /cannot read config file .*nope\.yaml: no such file/)
  noStackTrace(missing.output)

  const unknownFlag = await startExpectingFailure(['--prot', '1883'])
  assert.notEqual(unknownFlag.code, 0)
  assert.match(unknownFlag.output, /unknown option '--prot'/)
})

test('a port in use is named, and the process exits non-zero', async (t) => {
  const blocker = createServer()
  const port = await getFreePort()
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
  t.after(() => blocker.close())
  const r = await startExpectingFailure(['--port', String(port), '--ws-port', '0', '--http-port', '0'])
  assert.notEqual(r.code, 0)
  assert.match(r.output, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`))
  noStackTrace(r.output)
})

test('secure default: listening beyond loopback with no authentication is refused, naming --allow-anonymous', async () => {
  // Refused before anything binds: no socket is opened on a non-loopback address.
  const r = await startExpectingFailure(['--host', '0.0.0.0', '--port', String(await getFreePort()), '--ws-port', '0', '--http-port', '0'])
  assert.notEqual(r.code, 0)
  assert.match(r.output, /refusing to listen on 0\.0\.0\.0 with no authentication/)
  assert.match(r.output, /--allow-anonymous/)
  noStackTrace(r.output)
})

test('flags override env, env overrides the config file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-cfg-'))
  const file = join(dir, 'siar.json')
  const [filePort, envPort, flagHttp] = [await getFreePort(), await getFreePort(), await getFreePort()]
  writeFileSync(file, JSON.stringify({ port: filePort, wsPort: 0, httpPort: await getFreePort() }))
  const proc = spawnTracked(process.execPath, [SIAR_BIN, 'start', '--config', file, '--http-port', String(flagHttp)], {
    env: { ...process.env, SIAR_PORT: String(envPort), SIAR_LOG_LEVEL: 'warn' }
  })
  t.after(() => proc.stop('SIGKILL'))
  await waitFor(async () => (await fetch(`http://127.0.0.1:${flagHttp}/readyz`)).ok, 'the HTTP port given by flag')
  assert.match(proc.output(), new RegExp(`mqtt://127\\.0\\.0\\.1:${envPort}`), 'env port beats the file')
})
