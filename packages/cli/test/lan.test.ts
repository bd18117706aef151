import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PassThrough } from 'node:stream'
import { parsePasswordFile, verifyPassword } from '@siar/core'
import { MessageCollector, SIAR_BIN, connectMqtt, waitFor } from '@siar/testing'
import { main } from '../src/main.js'
import type { Io } from '../src/output.js'
import { userConfigDir } from '../src/lan/config-dir.js'
import { ensureLanCredentials } from '../src/lan/lan-credentials.js'
import { listLanAddresses } from '../src/lan/lan-addresses.js'
import { formatLanInstructions } from '../src/lan/lan-instructions.js'
import { createTestNetns, netnsUnavailable } from './lan-netns-support.js'

const run = promisify(execFile)
const skipNetns = netnsUnavailable()

function tempDir (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'siar-lan-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('the config directory is where each OS keeps per-user settings, SIAR_CONFIG_DIR first', () => {
  assert.equal(userConfigDir({ env: {}, platform: 'linux', home: '/home/ana' }), '/home/ana/.config/siar')
  assert.equal(userConfigDir({ env: { XDG_CONFIG_HOME: '/x/cfg' }, platform: 'linux', home: '/home/ana' }), '/x/cfg/siar')
  assert.equal(userConfigDir({ env: { XDG_CONFIG_HOME: 'relative' }, platform: 'linux', home: '/home/ana' }), '/home/ana/.config/siar')
  assert.equal(userConfigDir({ env: {}, platform: 'darwin', home: '/Users/ana' }), '/Users/ana/Library/Application Support/siar')
  assert.match(userConfigDir({ env: { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, platform: 'win32', home: 'C:\\Users\\ana' }), /Roaming.siar$/)
  assert.equal(userConfigDir({ env: { SIAR_CONFIG_DIR: '/tmp/s', XDG_CONFIG_HOME: '/x' }, platform: 'linux', home: '/h' }), '/tmp/s')
})

test('LAN credentials are generated once (files 0600), reused next time, and the hash file is rebuilt if lost', async (t) => {
  const dir = join(tempDir(t), 'siar')
  const first = await ensureLanCredentials(dir)
  assert.equal(first.created, true)
  assert.equal(first.username, 'device')
  assert.match(first.password, /^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/)
  for (const file of [first.passwordFile, first.credentialsFile]) assert.equal(statSync(file).mode & 0o777, 0o600)
  const hash = parsePasswordFile(readFileSync(first.passwordFile, 'utf8')).users.get('device')
  assert.ok(hash && await verifyPassword(hash, first.password))
  assert.doesNotMatch(readFileSync(first.passwordFile, 'utf8'), new RegExp(first.password))

  const again = await ensureLanCredentials(dir)
  assert.equal(again.created, false)
  assert.equal(again.password, first.password)
  assert.equal(readFileSync(again.passwordFile, 'utf8'), readFileSync(first.passwordFile, 'utf8'), 'hash file left as it was')

  rmSync(first.passwordFile)
  const rebuilt = await ensureLanCredentials(dir)
  assert.equal(rebuilt.password, first.password)
  const newHash = parsePasswordFile(readFileSync(rebuilt.passwordFile, 'utf8')).users.get('device')
  assert.ok(newHash && await verifyPassword(newHash, first.password))

  rmSync(first.credentialsFile)
  const fresh = await ensureLanCredentials(dir)
  assert.equal(fresh.created, true)
  assert.notEqual(fresh.password, first.password)
})

test('LAN addresses: loopback and IPv6 link-local left out, IPv4 first; URLs bracket IPv6', () => {
  const mac = '00:00:00:00:00:00'
  const addresses = listLanAddresses({
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac, internal: true, cidr: '127.0.0.1/8' }],
    wlan0: [
      { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac, internal: false, cidr: 'fe80::1/64', scopeid: 3 },
      { address: '2001:db8::5', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac, internal: false, cidr: '2001:db8::5/64', scopeid: 0 },
      { address: '192.168.1.23', netmask: '255.255.255.0', family: 'IPv4', mac, internal: false, cidr: '192.168.1.23/24' }
    ]
  })
  assert.deepEqual(addresses.map((a) => a.address), ['192.168.1.23', '2001:db8::5'])

  const text = formatLanInstructions({
    addresses, mqttPort: 1883, ws: { port: 8083, path: '/mqtt' }, httpPort: 18083,
    auth: { kind: 'generated', username: 'device', password: 'abcde-fghjk', credentialsFile: '/c/lan-credentials.json' }
  })
  assert.match(text, /mqtt:\/\/192\.168\.1\.23:1883 +ws:\/\/192\.168\.1\.23:8083\/mqtt/)
  assert.match(text, /mqtt:\/\/\[2001:db8::5\]:1883/)
  assert.match(text, /Username: device\n {2}Password: abcde-fghjk\n/)
  assert.match(text, /mosquitto_pub -h 192\.168\.1\.23 -p 1883/)
  assert.match(text, /mqtt\.setServer\("192\.168\.1\.23", 1883\);/)
  assert.match(text, /mqtt\.connect\("esp32-1", "device", "abcde-fghjk"\)/)
  assert.match(text, /auth=\{"username": "device", "password": "abcde-fghjk"\}/)

  const anon = formatLanInstructions({ addresses: [], auth: { kind: 'anonymous' } })
  assert.match(anon, /WARNING: --allow-anonymous/)
  assert.match(anon, /no network address yet/)
  assert.doesNotMatch(anon, /Password:/)
})

test('--lan with --host is a usage error', async () => {
  let err = ''
  const stderr = new PassThrough()
  stderr.on('data', (d: Buffer) => { err += d.toString() })
  const io: Io = { stdout: new PassThrough(), stderr, stdin: new PassThrough(), env: {} }
  assert.equal(await main(['start', '--lan', '--host', '0.0.0.0'], io), 2)
  assert.match(err, /--lan listens on every interface; leave out --host/)
})

/** The lines of one example block in the printed instructions, without their indent. */
function block (output: string, heading: string): string {
  const lines = output.split('\n')
  const at = lines.findIndex((l) => l.includes(heading))
  assert.ok(at >= 0, `no "${heading}" in:\n${output}`)
  return lines.slice(at + 1, at + 4).map((l) => l.slice(4)).join('\n')
}

test('siar start --lan in a namespace: devices outside connect with the printed login, anonymous clients are refused', { skip: skipNetns }, async (t) => {
  const ns = await createTestNetns(t)
  const configDir = tempDir(t)
  const broker = ns.spawn(process.execPath, [SIAR_BIN, 'start', '--lan'], { SIAR_CONFIG_DIR: configDir, SIAR_LOG_LEVEL: 'warn' })
  await waitFor(() => {
    if (broker.child.exitCode !== null) throw new Error(`broker exited: ${broker.output()}`)
    return /A device cannot connect\?/.test(broker.output())
  }, () => `the LAN instructions, have:\n${broker.output()}`, 15_000)
  const out = broker.output()
  const password = /Password: (\S+)/.exec(out)?.[1]
  assert.ok(password)
  assert.match(out, new RegExp(`mqtt://${ns.nsAddress.replace(/\./g, '\\.')}:1883 +ws://${ns.nsAddress.replace(/\./g, '\\.')}:8083/mqtt`))
  assert.doesNotMatch(out, /mqtt:\/\/127\.0\.0\.1:1883 +ws/, 'loopback is not a LAN address')
  assert.match(out, new RegExp(`kept in ${configDir}/lan-credentials.json`))
  const url = `mqtt://${ns.nsAddress}:1883`

  // The login works from outside the namespace, over TCP and WebSocket.
  const sub = await connectMqtt(url, { username: 'device', password })
  t.after(() => sub.endAsync())
  const messages = new MessageCollector(sub)
  await sub.subscribeAsync('sensors/#', { qos: 1 })
  const ws = await connectMqtt(`ws://${ns.nsAddress}:8083/mqtt`, { username: 'device', password })
  await ws.publishAsync('sensors/ws/temp', '20', { qos: 1 })
  await ws.endAsync()

  // The printed mosquitto_pub and Python lines work as printed.
  await run('sh', ['-c', block(out, 'mosquitto_pub:')])
  await run('/usr/bin/python3', ['-c', block(out, 'Python (paho-mqtt):')])
  await messages.waitForCount(3)
  assert.deepEqual(messages.messages.map((m) => `${m.topic}=${m.payload}`).sort(),
    ['sensors/esp32-1/temp=21.5', 'sensors/esp32-1/temp=21.5', 'sensors/ws/temp=20'])

  // Anonymous and wrong-password clients are refused (CONNACK 5 / 4 in MQTT 3.1.1, 0x87 in MQTT 5).
  await assert.rejects(connectMqtt(url, { protocolVersion: 4 }), (err: { code?: number }) => err.code === 5 || err.code === 4)
  await assert.rejects(connectMqtt(url, { protocolVersion: 4, username: 'device', password: 'wrong' }), (err: { code?: number }) => err.code === 4 || err.code === 5)
  await assert.rejects(connectMqtt(url, { protocolVersion: 5 }), (err: { code?: number }) => err.code === 0x87 || err.code === 0x86)
})

test('siar start --lan --allow-anonymous: no login is generated, anonymous clients connect, and a warning says so', { skip: skipNetns }, async (t) => {
  const ns = await createTestNetns(t)
  const configDir = tempDir(t)
  const broker = ns.spawn(process.execPath, [SIAR_BIN, 'start', '--lan', '--allow-anonymous'], { SIAR_CONFIG_DIR: configDir, SIAR_LOG_LEVEL: 'warn' })
  await waitFor(() => {
    if (broker.child.exitCode !== null) throw new Error(`broker exited: ${broker.output()}`)
    return /A device cannot connect\?/.test(broker.output())
  }, () => `the LAN instructions, have:\n${broker.output()}`, 15_000)
  assert.match(broker.output(), /WARNING: --allow-anonymous: anyone on this network can connect/)
  assert.doesNotMatch(broker.output(), /Password:/)
  const client = await connectMqtt(`mqtt://${ns.nsAddress}:1883`)
  await client.endAsync()
  assert.throws(() => statSync(join(configDir, 'lan-credentials.json')), /ENOENT/)
})
