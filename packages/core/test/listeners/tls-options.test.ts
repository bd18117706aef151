import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError, optionsFromEnv, parseOptions, resolveConfig } from '@siar/core'
import { silentLogger } from '../../src/logger.js'
import { createSecurity } from '../../src/auth/security.js'
import { tlsEnabled } from '../../src/listeners/secure-listeners.js'

test('TLS options: defaults, and the pairs that must go together', () => {
  const o = parseOptions({})
  assert.equal(o.tls.port, 8883)
  assert.equal(o.tls.wssPort, 8084)
  assert.equal(tlsEnabled(o), false, 'no certificate, no TLS listeners')
  assert.equal(tlsEnabled(parseOptions({ tls: { cert: 'c.pem', key: 'k.pem' } })), true)
  assert.throws(() => parseOptions({ tls: { cert: 'c.pem', requireClientCert: true } }), (err: ConfigError) => {
    assert.deepEqual(err.violations.map((v) => v.key).sort(), ['tls.ca', 'tls.key'])
    assert.match(err.message, /tls\.key: missing; allowed: tls\.cert and tls\.key must be given together/)
    assert.match(err.message, /tls\.ca: missing; allowed: a CA file/)
    return true
  })
})

test('security flags and SIAR_* variables reach the options', async () => {
  const env = {
    SIAR_PASSWORD_FILE: '/etc/siar/passwd',
    SIAR_ACL_FILE: '/etc/siar/acl',
    SIAR_TLS_PORT: '0',
    SIAR_REQUIRE_CLIENT_CERT: 'yes',
    SIAR_TLS_CA: '/etc/siar/ca.pem',
    SIAR_MAX_CONNECTIONS_PER_IP: '50',
    SIAR_PUBLISH_RATE_PER_CLIENT: '100'
  }
  assert.equal(Object.keys(optionsFromEnv(env).values).length, 7)
  const o = await resolveConfig({ env, flags: { 'tls.wssPort': '9443', 'limits.receiveMaximum': '20', 'tls.certCnAsUsername': true } })
  assert.deepEqual(o.auth, { passwordFile: '/etc/siar/passwd', aclFile: '/etc/siar/acl', watchFiles: true })
  assert.equal(o.tls.port, 0)
  assert.equal(o.tls.wssPort, 9443)
  assert.equal(o.tls.requireClientCert, true)
  assert.equal(o.tls.certCnAsUsername, true)
  assert.equal(o.limits.maxConnectionsPerIp, 50)
  assert.equal(o.limits.publishRatePerClient, 100)
  assert.equal(o.limits.receiveMaximum, 20)
})

test('a password file or required client certificates count as authentication for a non-loopback bind', () => {
  const events = { authFailed: () => {}, accessDenied: () => {}, limitHit: () => {}, filesChanged: () => {} }
  const authOf = (input: Record<string, unknown>): boolean => {
    const s = createSecurity(parseOptions(input), silentLogger, events)
    s.close()
    return s.authConfigured
  }
  assert.equal(authOf({}), false)
  assert.equal(authOf({ auth: { passwordFile: 'p' } }), true)
  assert.equal(authOf({ tls: { cert: 'c', key: 'k', ca: 'ca' } }), false, 'optional client certificates leave anonymous TLS clients')
  assert.equal(authOf({ tls: { cert: 'c', key: 'k', ca: 'ca', requireClientCert: true } }), true)
})
