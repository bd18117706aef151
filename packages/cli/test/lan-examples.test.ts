import { test } from 'node:test'
import { execFile } from 'node:child_process'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { hashPassword, updatePasswordText } from '@siar/core'
import { MessageCollector, connectMqtt, spawnTracked, startTestBroker, waitFor, withTimeout, type TestBroker } from '@siar/testing'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
/** Debian's python3 has python3-paho-mqtt (1.6); a pyenv/venv python on PATH may not. */
const PYTHON = '/usr/bin/python3'

interface Example {
  name: string
  device: string
  command: (env: Record<string, string>) => { file: string, args: string[] }
  env: (b: TestBroker, password: string) => Record<string, string>
}

const EXAMPLES: Example[] = [
  {
    name: 'examples/python/paho_example.py',
    device: 'py-1',
    command: () => ({ file: PYTHON, args: [join(ROOT, 'examples/python/paho_example.py')] }),
    env: (b, password) => ({ MQTT_HOST: '127.0.0.1', MQTT_PORT: String(b.port), MQTT_USERNAME: 'device', MQTT_PASSWORD: password, INTERVAL_SECONDS: '0.2' })
  },
  {
    name: 'examples/node/sensor.mjs',
    device: 'node-1',
    // From source, as the test runner does ('@siar/client' resolves to src/ under the "source" condition).
    command: () => ({ file: process.execPath, args: ['--conditions=source', '--import', 'tsx', join(ROOT, 'examples/node/sensor.mjs')] }),
    env: (b, password) => ({ MQTT_URL: b.mqttUrl, MQTT_USERNAME: 'device', MQTT_PASSWORD: password, INTERVAL_SECONDS: '0.2' })
  }
]

async function brokerWithLogin (t: { after: (fn: () => unknown) => void }): Promise<TestBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'siar-examples-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'passwd')
  writeFileSync(file, updatePasswordText('', 'device', await hashPassword('s3cret-pass', { log2N: 10 })).text)
  const b = await startTestBroker({ auth: { passwordFile: file } })
  t.after(() => b.close())
  return b
}

for (const ex of EXAMPLES) {
  test(`${ex.name} logs in, publishes readings, obeys commands and leaves a retained "offline"`, async (t) => {
    const b = await brokerWithLogin(t)
    const watcher = await connectMqtt(b.mqttUrl, { username: 'device', password: 's3cret-pass' })
    t.after(() => watcher.endAsync())
    const seen = new MessageCollector(watcher)
    await watcher.subscribeAsync(['sensors/#', 'devices/+/status'], { qos: 1 })

    const { file, args } = ex.command({})
    const proc = spawnTracked(file, args, { cwd: ROOT, env: { ...process.env, ...ex.env(b, 's3cret-pass'), DEVICE_ID: ex.device } })
    t.after(() => proc.stop('SIGKILL'))
    await waitFor(() => {
      if (proc.child.exitCode !== null) throw new Error(`exited early:\n${proc.output()}`)
      return proc.output().includes(`listening for commands on devices/${ex.device}/cmd`)
    }, () => `the example to subscribe, output:\n${proc.output()}`, 15_000)
    const temp = `sensors/${ex.device}/temp`
    await waitFor(() => seen.messages.filter((m) => m.topic === temp).length >= 2, 'two readings', 10_000)

    await watcher.publishAsync(`devices/${ex.device}/cmd`, 'led-on', { qos: 1 })
    await watcher.publishAsync(`devices/${ex.device}/cmd`, 'stop', { qos: 1 })
    const code = await withTimeout(proc.exited, `${ex.name} to exit`, 15_000)
    const out = proc.output()
    assert.equal(code, 0, out)

    const lines = out.trimEnd().split('\n')
    assert.match(lines[0] ?? '', new RegExp(`^connected to \\S+ as ${ex.device}$`))
    assert.equal(lines.at(-1), 'bye')
    assert.ok(lines.includes('command: led-on') && lines.indexOf('command: led-on') < lines.indexOf('command: stop'), out)
    for (const l of lines.filter((x) => x.startsWith('published'))) assert.match(l, new RegExp(`^published ${temp} \\d+(\\.\\d)?$`))
    for (const m of seen.messages.filter((x) => x.topic === temp)) assert.match(m.payload, /^\d+(\.\d)?$/)
    const status = `devices/${ex.device}/status`
    await waitFor(() => seen.messages.filter((m) => m.topic === status).length >= 2, 'online and offline', 5_000)
    assert.deepEqual(seen.messages.filter((m) => m.topic === status).map((m) => m.payload), ['online', 'offline'])

    // A client that comes later still learns the device's state: the status is retained.
    const late = await connectMqtt(b.mqttUrl, { username: 'device', password: 's3cret-pass' })
    t.after(() => late.endAsync())
    const lateSeen = new MessageCollector(late)
    await late.subscribeAsync(status, { qos: 1 })
    const retained = await lateSeen.waitForTopic(status)
    assert.equal(retained.payload, 'offline')
    assert.equal(retained.retain, true)
  })

  test(`${ex.name} with a wrong password exits 1 and says the login was refused`, async (t) => {
    const b = await brokerWithLogin(t)
    const { file, args } = ex.command({})
    const proc = spawnTracked(file, args, { cwd: ROOT, env: { ...process.env, ...ex.env(b, 'wrong'), DEVICE_ID: ex.device } })
    t.after(() => proc.stop('SIGKILL'))
    const code = await withTimeout(proc.exited, `${ex.name} to exit`, 15_000)
    assert.equal(code, 1, proc.output())
    assert.match(proc.output(), /connect refused: .*(not authori[sz]ed|bad user name or password)|cannot connect to .*(not authori[sz]ed|bad user name or password)/i)
  })
}

/** Run a checker; resolves with its complaint, '' when happy, or undefined when it is not installed. */
async function check (file: string, args: string[]): Promise<string | undefined> {
  return await new Promise((resolve) => {
    execFile(file, args, (err, stdout, stderr) => {
      if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') return resolve(undefined)
      resolve(err ? `${stdout}${stderr}` || String(err) : '')
    })
  })
}

test('the ESP32 sketch compiles against the Arduino and PubSubClient signatures it uses (g++ -fsyntax-only with stubs)', async (t) => {
  const stubs = fileURLToPath(new URL('./lan-examples-stubs/', import.meta.url))
  const complaint = await check('g++', ['-fsyntax-only', '-Wall', '-Wextra', '-Werror', '-x', 'c++', '-include', 'Arduino.h', '-I', stubs, join(ROOT, 'examples/esp32/esp32-sensor.ino')])
  if (complaint === undefined) return t.skip('g++ is not installed')
  assert.equal(complaint, '')
})

test('the MicroPython script is valid Python and uses the same topics as the other examples', async () => {
  const file = join(ROOT, 'examples/micropython/main.py')
  assert.equal(await check(PYTHON, ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])', file]), '')
  const text = readFileSync(file, 'utf8')
  for (const topic of ['"sensors/%s/temp"', '"devices/%s/cmd"', '"devices/%s/status"']) assert.ok(text.includes(topic), topic)
  const sketch = readFileSync(join(ROOT, 'examples/esp32/esp32-sensor.ino'), 'utf8')
  for (const topic of ['"sensors/%s/temp"', '"devices/%s/cmd"', '"devices/%s/status"']) assert.ok(sketch.includes(topic), topic)
})
