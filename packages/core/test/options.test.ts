import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseOptions, resolveConfig, ConfigError, SiarError, ErrorCodes, DEFAULT_MQTT_PORT } from '@siar/core'

test('defaults: loopback, standard ports, 1 MiB packets, 1000 queued messages', () => {
  const o = parseOptions({})
  assert.equal(o.host, '127.0.0.1')
  assert.equal(o.port, DEFAULT_MQTT_PORT)
  assert.equal(o.wsPort, 8083)
  assert.equal(o.httpPort, 18083)
  assert.equal(o.limits.maxPacketSize, 1024 * 1024)
  assert.equal(o.limits.maxQueuedMessages, 1000)
  assert.equal(o.allowAnonymous, false)
  assert.ok(Object.isFrozen(o) && Object.isFrozen(o.limits))
})

test('every violation is reported at once, naming key, value and what is allowed', () => {
  try {
    parseOptions({ port: 70000, logLevel: 'loud', bogus: 1, limits: { maxQueuedMessages: -1 } })
    assert.fail('expected a ConfigError')
  } catch (err) {
    assert.ok(err instanceof ConfigError)
    assert.equal(err.code, ErrorCodes.CONFIG_INVALID)
    const keys = err.violations.map((v) => v.key).sort()
    assert.deepEqual(keys, ['bogus', 'limits.maxQueuedMessages', 'logLevel', 'port'])
    assert.match(err.message, /port: got 70000; allowed: a port number .* from 0 to 65535/)
    assert.match(err.message, /logLevel: got "loud"; allowed: one of fatal, error, warn, info/)
    assert.match(err.message, /bogus: got 1; allowed: not a known key; known keys here: .*host/)
  }
})

test('error codes are stable', () => {
  assert.deepEqual(ErrorCodes, {
    CONFIG_INVALID: 'SIAR_ERR_CONFIG_INVALID',
    CONFIG_FILE_UNREADABLE: 'SIAR_ERR_CONFIG_FILE_UNREADABLE',
    CONFIG_FILE_SYNTAX: 'SIAR_ERR_CONFIG_FILE_SYNTAX',
    LISTEN_ADDRESS_IN_USE: 'SIAR_ERR_LISTEN_ADDRESS_IN_USE',
    LISTEN_FAILED: 'SIAR_ERR_LISTEN_FAILED',
    INSECURE_BIND: 'SIAR_ERR_SECURITY_INSECURE_BIND',
    AUTH_FILE_UNREADABLE: 'SIAR_ERR_AUTH_FILE_UNREADABLE',
    AUTH_FILE_INVALID: 'SIAR_ERR_AUTH_FILE_INVALID',
    TLS_FILE_UNREADABLE: 'SIAR_ERR_TLS_FILE_UNREADABLE',
    TLS_CONFIG_INVALID: 'SIAR_ERR_TLS_CONFIG_INVALID',
    BROKER_CLOSED: 'SIAR_ERR_BROKER_CLOSED',
    REDIS_UNREACHABLE: 'SIAR_ERR_CLUSTER_REDIS_UNREACHABLE'
  })
})

test('precedence is flags > env > file > defaults, and the source is named in errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'siar-config-'))
  const file = join(dir, 'siar.yaml')
  writeFileSync(file, 'port: 1000\nwsPort: 2000\nhttpPort: 3000\nlimits:\n  maxQueuedMessages: 5\n')
  const o = await resolveConfig({ configFile: file, env: { SIAR_WS_PORT: '2001', SIAR_HTTP_PORT: '3001' }, flags: { httpPort: '3002' } })
  assert.equal(o.port, 1000)
  assert.equal(o.wsPort, 2001)
  assert.equal(o.httpPort, 3002)
  assert.equal(o.limits.maxQueuedMessages, 5)

  await assert.rejects(resolveConfig({ env: { SIAR_PORT: 'eighty' } }), (err: ConfigError) => {
    assert.match(err.message, /port \(from env SIAR_PORT\): got "eighty"/)
    return true
  })
  writeFileSync(file, 'limits:\n  maxPacketSize: huge\n')
  await assert.rejects(resolveConfig({ configFile: file }), /limits\.maxPacketSize \(from file .*siar\.yaml\): got "huge"; allowed: a size in bytes/)
})

test('an unreadable or malformed config file is a clear error', async () => {
  await assert.rejects(resolveConfig({ configFile: '/nonexistent/siar.yaml' }), (err: SiarError) => {
    assert.equal(err.code, ErrorCodes.CONFIG_FILE_UNREADABLE)
    assert.match(err.message, /cannot read config file \/nonexistent\/siar\.yaml: no such file/)
    return true
  })
  const dir = mkdtempSync(join(tmpdir(), 'siar-config-'))
  const file = join(dir, 'bad.json')
  writeFileSync(file, '{"port": ')
  await assert.rejects(resolveConfig({ configFile: file }), (err: SiarError) => err.code === ErrorCodes.CONFIG_FILE_SYNTAX && /not valid JSON/.test(err.message))
  writeFileSync(join(dir, 'list.yaml'), '- 1\n- 2\n')
  await assert.rejects(resolveConfig({ configFile: join(dir, 'list.yaml') }), /must hold a mapping of keys to values, got a list/)
})
