import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileClientAcl } from '../../src/auth/acl.js'
import { parseAclFile } from '../../src/auth/acl-file.js'
import { filterCovers, topicMatches } from '../../src/auth/topic-match.js'
import { ErrorCodes, SiarError } from '../../src/errors.js'

const FILE = `
# anonymous clients: read the public tree only
topic read public/#

user alice
topic alice/#
topic deny alice/secret
topic read $SYS/#

user bob
topic write inbox/bob

pattern readwrite devices/%c/#
pattern read users/%u/#
`

test('topic matching follows the spec, $ topics are never matched by a leading wildcard', () => {
  assert.ok(topicMatches('a/+/c', 'a/b/c'))
  assert.ok(topicMatches('a/#', 'a'))
  assert.ok(topicMatches('#', 'a/b'))
  assert.ok(!topicMatches('a/+', 'a/b/c'))
  assert.ok(!topicMatches('#', '$SYS/broker/uptime'))
  assert.ok(!topicMatches('+/broker', '$SYS/broker'))
  assert.ok(topicMatches('$SYS/#', '$SYS/broker/uptime'))
  assert.ok(filterCovers('a/#', 'a/+/c'))
  assert.ok(filterCovers('a/+', 'a/b'))
  assert.ok(!filterCovers('a/+', 'a/#'))
  assert.ok(!filterCovers('a/#', '#'))
  assert.ok(!filterCovers('#', '$SYS/#'))
})

test('anonymous clients get the rules before the first user line, plus patterns', () => {
  const acl = compileClientAcl(parseAclFile(FILE), { username: undefined, clientId: 'sensor-1' })
  assert.ok(acl.canRead('public/news'))
  assert.ok(acl.canSubscribe('public/#'))
  assert.ok(!acl.canPublish('public/news'), 'read only')
  assert.ok(!acl.canSubscribe('#'), 'a wider filter than granted is refused')
  assert.ok(acl.canPublish('devices/sensor-1/temp'), '%c pattern')
  assert.ok(!acl.canPublish('devices/sensor-2/temp'))
  assert.ok(!acl.canRead('users/alice/x'), '%u pattern does not apply without a username')
})

test('user blocks, default readwrite, deny wins, $SYS only where granted', () => {
  const table = parseAclFile(FILE)
  const alice = compileClientAcl(table, { username: 'alice', clientId: 'a1' })
  assert.ok(alice.canPublish('alice/x') && alice.canRead('alice/x'))
  assert.ok(!alice.canRead('alice/secret') && !alice.canPublish('alice/secret'))
  assert.ok(!alice.canSubscribe('alice/secret'))
  assert.ok(alice.canSubscribe('alice/#'), 'the deny is applied per message on delivery')
  assert.ok(alice.canRead('$SYS/broker/load'))
  assert.ok(!alice.canRead('public/news'), 'the anonymous block is not inherited')
  assert.ok(alice.canRead('users/alice/inbox'))
  assert.ok(!alice.canRead('users/bob/inbox'))
  const bob = compileClientAcl(table, { username: 'bob', clientId: 'b1' })
  assert.ok(bob.canPublish('inbox/bob') && !bob.canRead('inbox/bob'))
  assert.ok(!bob.canRead('$SYS/broker/load'))
  const stranger = compileClientAcl(table, { username: 'mallory', clientId: 'm1' })
  assert.ok(!stranger.canRead('alice/x') && !stranger.canPublish('inbox/bob'))
})

test('identities holding wildcards or separators do not widen a pattern', () => {
  const table = parseAclFile('pattern readwrite devices/%c/#\npattern read users/%u/#\n')
  const sneaky = compileClientAcl(table, { username: '#', clientId: '+' })
  assert.ok(!sneaky.canPublish('devices/other/x'))
  assert.ok(!sneaky.canRead('users/alice/x'))
  const slash = compileClientAcl(table, { username: 'a/b', clientId: 'x/y' })
  assert.ok(!slash.canPublish('devices/x/y/z'))
})

test('a broken ACL file is one error naming each bad line', () => {
  assert.throws(() => parseAclFile('topic read a/#/b\nuser\nfoo bar\ntopic read\npattern +x/y\n'), (err: SiarError) => {
    assert.equal(err.code, ErrorCodes.AUTH_FILE_INVALID)
    assert.match(err.message, /5 problem/)
    assert.match(err.message, /line 1: "a\/#\/b": # must be a whole level/)
    assert.match(err.message, /line 2: "user" needs a user name/)
    assert.match(err.message, /line 3: unknown keyword "foo"/)
    assert.match(err.message, /line 4: "read" needs a topic filter/)
    assert.match(err.message, /line 5: "\+x\/y": \+ must be a whole level/)
    return true
  })
})
