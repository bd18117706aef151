import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SIAR_BIN, connectMqtt, getFreePort, startTestBroker, waitFor } from '@siar/testing'
import { parseProcNetTcp } from '../src/doctor/proc-net-tcp.js'
import { parseLsof, parseNetstat, parseSsUsers } from '../src/doctor/listening-sockets.js'
import { firewalldAllows, iptablesAllows, nftAllows, ufwAllows } from '../src/doctor/firewall-rules.js'
import { checkFirewall } from '../src/doctor/firewall.js'
import { createTestNetns, netnsUnavailable, type TestNetns } from './lan-netns-support.js'

const skipNetns = netnsUnavailable()
const hasNft = ((): boolean => { try { execFileSync('nft', ['--version'], { stdio: 'ignore' }); return true } catch { return false } })()
const checkLines = (out: string): string[] => out.split('\n').filter((l) => /^[✓✗·] /.test(l))

test('/proc/net/tcp and tcp6 lines decode to addresses, ports and LISTEN state', () => {
  const v4 = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:075B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41234 1 0000000000000000 100 0 0 10 0',
    '   1: 0264A8C0:C350 0164A8C0:075B 01 00000000:00000000 00:00000000 00000000     0        0 41300 1 0000000000000000 20 4 30 10 -1'
  ].join('\n')
  assert.deepEqual(parseProcNetTcp(v4), [
    { address: '127.0.0.1', port: 1883, state: '0A', inode: '41234' },
    { address: '192.168.100.2', port: 50000, state: '01', inode: '41300' }
  ])
  const v6 = [
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000000000000000000000000000:075B 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000000000000 100 0 0 10 0',
    '   1: 00000000000000000000000001000000:1F93 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5002 1 0000000000000000 100 0 0 10 0',
    '   2: B80D0120000000000000000005000000:075B 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5003 1 0000000000000000 100 0 0 10 0',
    '   3: 0000000000000000FFFF00000264A8C0:075B 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5004 1 0000000000000000 100 0 0 10 0'
  ].join('\n')
  assert.deepEqual(parseProcNetTcp(v6).map((s) => `${s.address} ${s.port}`), [':: 1883', '::1 8083', '2001:db8::5 1883', '::ffff:192.168.100.2 1883'])
})

test('ss, lsof and netstat output name the program holding a port', () => {
  assert.deepEqual(parseSsUsers('LISTEN 0 511 0.0.0.0:1883 0.0.0.0:* users:(("mosquitto",pid=812,fd=5))'), [{ program: 'mosquitto', pid: 812 }])
  assert.deepEqual(parseLsof('p812\ncmosquitto\nf5\nn*:1883\nf6\nn[::1]:1883\n'), [
    { address: '0.0.0.0', pid: 812, program: 'mosquitto' },
    { address: '::1', pid: 812, program: 'mosquitto' }
  ])
  const netstat = '\r\nActive Connections\r\n\r\n  Proto  Local Address          Foreign Address        State           PID\r\n' +
    '  TCP    0.0.0.0:1883           0.0.0.0:0              LISTENING       4242\r\n' +
    '  TCP    0.0.0.0:18830          0.0.0.0:0              LISTENING       1\r\n' +
    '  TCP    [::]:1883              [::]:0                 LISTENING       4242\r\n'
  assert.deepEqual(parseNetstat(netstat, 1883), [{ address: '0.0.0.0', pid: 4242 }, { address: '::', pid: 4242 }])
})

test('firewall rules: a closed port is found in ufw, firewalld, nft and iptables output, an opened one is not', () => {
  const ufw = 'Status: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), disabled (routed)\n\nTo                         Action      From\n--                         ------      ----\n22/tcp                     ALLOW IN    Anywhere\n'
  assert.equal(ufwAllows(ufw, 1883), false)
  assert.equal(ufwAllows(ufw + '1883/tcp                   ALLOW IN    Anywhere\n', 1883), true)
  assert.equal(ufwAllows(ufw + '1880:1890/tcp              ALLOW IN    Anywhere\n', 1883), true)
  assert.equal(ufwAllows('Status: inactive\n', 1883), true)
  assert.equal(firewalldAllows('8080/tcp', 'ssh dhcpv6-client', 1883), false)
  assert.equal(firewalldAllows('8080/tcp 1883/tcp', 'ssh', 1883), true)
  assert.equal(firewalldAllows('', 'ssh mqtt', 1883), true)
  const nft = 'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tct state established,related accept\n\t\tiif "lo" accept\n\t\ttcp dport 22 accept\n\t}\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t}\n}\n'
  assert.equal(nftAllows(nft, 1883), false)
  assert.equal(nftAllows(nft.replace('tcp dport 22 accept', 'tcp dport { 22, 1883, 8083 } accept'), 1883), true)
  assert.equal(nftAllows(nft.replace('policy drop;\n\t\tct', 'policy accept;\n\t\tct'), 1883), true)
  assert.equal(iptablesAllows('-P INPUT DROP\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n', 1883), false)
  assert.equal(iptablesAllows('-P INPUT DROP\n-A INPUT -p tcp -m tcp --dport 1883 -j ACCEPT\n', 1883), true)
  assert.equal(iptablesAllows('-P INPUT ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\n', 1883), false)
  assert.equal(iptablesAllows('-P INPUT ACCEPT\n', 1883), true)
})

test('on Windows the firewall line prints the netsh command that opens the port', async () => {
  const line = await checkFirewall([1883], 'win32')
  assert.equal(line.status, 'info')
  assert.match(line.fix ?? '', /netsh advfirewall firewall add rule name="siar 1883" dir=in action=allow protocol=TCP localport=1883/)
})

async function startLanBroker (t: { after: (fn: () => void) => void }, ns: TestNetns): Promise<string> {
  const configDir = mkdtempSync(join(tmpdir(), 'siar-doctor-'))
  t.after(() => rmSync(configDir, { recursive: true, force: true }))
  const broker = ns.spawn(process.execPath, [SIAR_BIN, 'start', '--lan'], { SIAR_CONFIG_DIR: configDir, SIAR_LOG_LEVEL: 'warn' })
  await waitFor(() => {
    if (broker.child.exitCode !== null) throw new Error(`broker exited: ${broker.output()}`)
    return /A device cannot connect\?/.test(broker.output())
  }, () => `the LAN instructions, have:\n${broker.output()}`, 15_000)
  const password = /Password: (\S+)/.exec(broker.output())?.[1]
  assert.ok(password)
  return password
}

test('siar doctor inside a namespace: a healthy --lan broker passes every check; wrong, missing login and a closed port fail with the fix', { skip: skipNetns }, async (t) => {
  const ns = await createTestNetns(t)
  const password = await startLanBroker(t, ns)
  const doctor = async (...args: string[]): Promise<{ code: number, stdout: string }> =>
    await ns.run(process.execPath, [SIAR_BIN, 'doctor', '--lan-address', ns.nsAddress, ...args])

  const healthy = await doctor('-u', 'device', '-P', password)
  const lines = checkLines(healthy.stdout)
  assert.equal(healthy.code, 0, healthy.stdout)
  assert.ok(lines.length >= 7, healthy.stdout)
  for (const line of lines) assert.match(line, /^✓ /, healthy.stdout)
  assert.match(healthy.stdout, /bound to :: \(every interface\)/)
  assert.match(healthy.stdout, /port 1883 is held by siar \(pid \d+\)/)
  assert.match(healthy.stdout, new RegExp(`✓ reachable on the LAN at mqtt://${ns.nsAddress.replace(/\./g, '\\.')}:1883`))
  assert.match(healthy.stdout, /✓ publish\/subscribe round trip works as user device/)
  assert.match(healthy.stdout, /✓ WebSocket MQTT is up at ws:\/\/127\.0\.0\.1:8083\/mqtt/)
  assert.match(healthy.stdout, /✓ HTTP is up at http:\/\/127\.0\.0\.1:18083/)

  const wrong = await doctor('-u', 'device', '-P', 'not-the-password')
  assert.equal(wrong.code, 1)
  const wrongFails = checkLines(wrong.stdout).filter((l) => l.startsWith('✗'))
  assert.equal(wrongFails.length, 1, wrong.stdout)
  assert.match(wrongFails[0] ?? '', /^✗ the broker refused the login of user device \(CONNACK 4: bad user name or password\) — check the username and password given with -u and -P \(siar start --lan prints them; the LAN login is kept in \S+lan-credentials\.json\)$/)

  const anonymous = await doctor()
  assert.equal(anonymous.code, 1)
  assert.match(anonymous.stdout, /✗ the broker refused an anonymous client \(CONNACK 5: not authorized\) — it wants a login: add -u USER -P PASSWORD/)

  const closed = await doctor('mqtt://127.0.0.1:1999', '-u', 'device', '-P', password)
  assert.equal(closed.code, 1)
  assert.match(closed.stdout, /✗ nothing is listening on 127\.0\.0\.1:1999 — start the broker: siar start/)
})

test('siar doctor names a program that holds the port without speaking MQTT, and a broker on loopback only fails the LAN check', { skip: skipNetns }, async (t) => {
  const ns = await createTestNetns(t)
  ns.spawn('/usr/bin/python3', ['-m', 'http.server', '--bind', '127.0.0.1', '1883'])
  await waitFor(async () => (await ns.run('/usr/bin/python3', ['-c', 'import socket; socket.create_connection(("127.0.0.1", 1883), 1)'])).code === 0, 'the HTTP server in the namespace')
  const res = await ns.run(process.execPath, [SIAR_BIN, 'doctor', '--lan-address', ns.nsAddress, '--timeout', '1500', '--ws-port', '0', '--http-port', '0'])
  assert.equal(res.code, 1)
  assert.match(res.stdout, /✓ 127\.0\.0\.1:1883 accepts connections, bound to 127\.0\.0\.1 \(this computer only\)/)
  assert.match(res.stdout, /✗ port 1883 is taken by python3 \(pid \d+\), which does not answer MQTT — stop that program, or start siar on another port: siar start --port 1884/)
  assert.match(res.stdout, new RegExp(`✗ not reachable at mqtt://${ns.nsAddress.replace(/\./g, '\\.')}:1883: the broker listens on 127\\.0\\.0\\.1 only — restart it for the network: siar start --lan`))
})

test('siar doctor works against any broker URL: a broker on loopback without siar\'s extra ports', async (t) => {
  const b = await startTestBroker({ wsPort: 0, httpPort: 0 })
  t.after(() => b.close())
  const free = await getFreePort()
  const res = await new Promise<{ code: number, stdout: string }>((resolve) => {
    // --lan-address on loopback: never probe this machine's real interfaces from a test.
    execFile(process.execPath, [SIAR_BIN, 'doctor', b.mqttUrl, '--lan-address', '127.0.0.1', '--ws-port', String(free), '--http-port', '0'], (err, stdout) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout })
    })
  })
  assert.match(res.stdout, /✓ publish\/subscribe round trip works as an anonymous client/)
  assert.match(res.stdout, new RegExp(`✗ no WebSocket MQTT at ws://127\\.0\\.0\\.1:${free}/mqtt \\(ECONNREFUSED\\)`), 'an explicit --ws-port must be up')
  assert.equal(res.code, 1)
})

test('siar doctor finds an nftables input chain that drops port 1883, and its printed fix opens it for a device outside', { skip: skipNetns ?? (hasNft ? false : 'nft (Debian nftables) is not installed') }, async (t) => {
  const ns = await createTestNetns(t)
  const password = await startLanBroker(t, ns)
  // A typical laptop ruleset: drop what is not loopback or a reply. Table "inet filter", as the fix assumes.
  const ruleset = 'table inet filter {\n chain input {\n  type filter hook input priority 0; policy drop;\n  iif "lo" accept\n  ct state established,related accept\n }\n}\n'
  const loaded = await ns.run('sh', ['-c', `printf '%s' '${ruleset}' | nft -f -`])
  assert.equal(loaded.code, 0, loaded.stderr)
  const url = `mqtt://${ns.nsAddress}:1883`
  await assert.rejects(connectMqtt(url, { username: 'device', password, connectTimeout: 1000 }), 'the firewall drops a device outside')

  const blocked = await ns.run(process.execPath, [SIAR_BIN, 'doctor', '--lan-address', ns.nsAddress, '-u', 'device', '-P', password])
  assert.equal(blocked.code, 1, blocked.stdout)
  const line = checkLines(blocked.stdout).find((l) => l.startsWith('✗')) ?? ''
  assert.match(line, /^✗ nftables rules likely block port 1883, 8083 \(an input chain drops what it does not accept\) — add an accept rule before the drop, e\.g\. sudo nft insert rule inet filter input tcp dport 1883 accept && sudo nft insert rule inet filter input tcp dport 8083 accept/)
  assert.equal(checkLines(blocked.stdout).filter((l) => l.startsWith('✗')).length, 1, 'only the firewall line fails: the broker itself is fine')

  // Run the printed commands (we are root in the namespace, so without sudo).
  const fix = /e\.g\. (.*) \(table and chain names vary\)/.exec(line)?.[1] ?? ''
  const opened = await ns.run('sh', ['-c', fix.replace(/sudo /g, '')])
  assert.equal(opened.code, 0, opened.stderr)
  const client = await connectMqtt(url, { username: 'device', password })
  await client.endAsync()
  const healthy = await ns.run(process.execPath, [SIAR_BIN, 'doctor', '--lan-address', ns.nsAddress, '-u', 'device', '-P', password])
  assert.equal(healthy.code, 0, healthy.stdout)
  assert.match(healthy.stdout, /✓ no nft rule found that blocks port 1883, 8083/)
})
