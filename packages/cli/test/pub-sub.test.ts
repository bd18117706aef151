import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { BACKENDS, type Backend } from '../../client/test/support/brokers.js'
import { run, start, subscribed } from './pub-sub-support.js'

for (const backend of BACKENDS) {
  describe(`siar pub/sub against ${backend.name}`, () => {
    let broker: Backend
    let dir: string
    const hp = (): string[] => ['-h', '127.0.0.1', '-p', String(broker.port)]
    before(async () => {
      broker = await backend.start()
      dir = mkdtempSync(join(tmpdir(), 'siar-pubsub-'))
    })
    after(async () => {
      await broker.close()
      rmSync(dir, { recursive: true, force: true })
    })

    test('-t -m -q: sub -v -C prints topic and payload, exits 0; several -t', async () => {
      const sub = await subscribed([...hp(), '-t', 'cli/a', '-t', 'cli/b/+', '-v', '-C', '2', '-q', '1'])
      assert.equal((await run(['pub', ...hp(), '-t', 'cli/a', '-m', 'one', '-q', '1'])).code, 0)
      assert.equal((await run(['pub', ...hp(), '-t', 'cli/b/c', '-m', 'two words', '-q', '2'])).code, 0)
      assert.equal(await sub.code, 0)
      assert.equal(sub.stdout(), 'cli/a one\ncli/b/c two words\n')
    })

    test('-r retains, -R skips retained messages, -n -r clears; -W ends with exit 27', async () => {
      assert.equal((await run(['pub', ...hp(), '-t', 'cli/ret', '-m', 'kept', '-r', '-q', '1'])).code, 0)
      const got = await run(['sub', ...hp(), '-t', 'cli/ret', '-C', '1', '-W', '5'])
      assert.equal(got.code, 0)
      assert.equal(got.stdout, 'kept\n')
      const stale = await run(['sub', ...hp(), '-t', 'cli/ret', '-C', '1', '-W', '1', '-R'])
      assert.equal(stale.code, 27)
      assert.equal(stale.stdout, '')
      assert.match(stale.stderr, /^Timed out after 1 s \(0 messages received\)\n$/)
      assert.equal((await run(['pub', ...hp(), '-t', 'cli/ret', '-n', '-r', '-q', '1'])).code, 0)
      const cleared = await run(['sub', ...hp(), '-t', 'cli/ret', '-C', '1', '-W', '1'])
      assert.equal(cleared.code, 27)
      assert.equal(cleared.stdout, '')
    })

    test('-l sends each stdin line (blank lines skipped); -N prints no newline', async () => {
      const sub = await subscribed([...hp(), '-t', 'cli/lines', '-C', '3', '-N', '-q', '1'])
      const pub = await run(['pub', ...hp(), '-t', 'cli/lines', '-l', '-q', '1'], { stdin: 'x\n\ny\nz\n' })
      assert.equal(pub.code, 0, pub.stderr)
      assert.equal(await sub.code, 0)
      assert.equal(sub.stdout(), 'xyz')
    })

    test('-f sends a file; --json shows binary payloads as base64 and v5 user properties from -D', async () => {
      const file = join(dir, 'blob.bin')
      writeFileSync(file, Buffer.from([0, 159, 146, 150, 255]))
      const sub = await subscribed([...hp(), '-t', 'cli/json/#', '-C', '2', '--json', '-q', '1'])
      assert.equal((await run(['pub', ...hp(), '-t', 'cli/json/bin', '-f', file, '-q', '1'])).code, 0)
      const pub = await run(['pub', ...hp(), '-t', 'cli/json/props', '-m', 'hé', '-q', '1',
        '-D', 'publish', 'user-property', 'unit', 'celsius', '-D', 'publish', 'content-type', 'text/plain'])
      assert.equal(pub.code, 0, pub.stderr)
      assert.equal(await sub.code, 0)
      const [bin, props] = sub.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>)
      assert.deepEqual(bin, { topic: 'cli/json/bin', payload: 'AJ+Slv8=', payloadEncoding: 'base64', qos: 1, retain: false })
      assert.equal(props?.payload, 'hé')
      assert.equal(props?.payloadEncoding, 'utf8')
      assert.deepEqual(props?.properties?.userProperties, { unit: 'celsius' })
      assert.equal(props?.properties?.contentType, 'text/plain')
    })

    test('-L url carries host, port and topic', async () => {
      const url = `mqtt://127.0.0.1:${broker.port}/cli/url`
      const sub = await subscribed(['-L', url, '-C', '1'])
      assert.equal((await run(['pub', '-L', url, '-m', 'via url'])).code, 0)
      assert.equal(await sub.code, 0)
      assert.equal(sub.stdout(), 'via url\n')
    })

    test('-V 31 and -V 311 publish to a -V 311 subscriber; --json on 3.1.1 has no properties', async () => {
      const sub = await subscribed([...hp(), '-V', '311', '-t', 'cli/v3', '-C', '2', '--json', '-q', '1'])
      for (const v of ['31', '311']) {
        const r = await run(['pub', ...hp(), '-V', v, '-t', 'cli/v3', '-m', `v${v}`, '-q', '1'])
        assert.equal(r.code, 0, r.stderr)
      }
      assert.equal(await sub.code, 0)
      const lines = sub.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
      assert.deepEqual(lines.map((l) => l.payload), ['v31', 'v311'])
      assert.ok(lines.every((l) => !('properties' in l)))
      const bad = await run(['pub', ...hp(), '-V', '4.0', '-t', 'x', '-m', 'y'])
      assert.equal(bad.code, 2)
      assert.equal(bad.stderr, 'siar: -V must be 5, 311 or 31, got "4.0"\n')
    })

    test('interop: mosquitto_pub → siar sub, and siar pub → mosquitto_sub (v5 user property)', async () => {
      const sub = await subscribed([...hp(), '-t', 'cli/interop/in', '-C', '1', '--json', '-q', '1'])
      const mp = start('mosquitto_pub', [...hp(), '-V', '5', '-t', 'cli/interop/in', '-m', 'from mosquitto', '-q', '1', '-D', 'publish', 'user-property', 'k', 'v'])
      assert.equal(await mp.code, 0, mp.stderr())
      assert.equal(await sub.code, 0)
      const m = JSON.parse(sub.stdout()) as Record<string, any>
      assert.equal(m.payload, 'from mosquitto')
      assert.deepEqual(m.properties?.userProperties, { k: 'v' })

      // stdbuf: mosquitto_sub block-buffers stdout into a pipe, which would hide its SUBACK line.
      const ms = start('stdbuf', ['-oL', 'mosquitto_sub', ...hp(), '-V', '5', '-t', 'cli/interop/out', '-C', '1', '-W', '10', '-v', '-d'])
      await ms.waitFor('SUBACK')
      const pub = await run(['pub', ...hp(), '-t', 'cli/interop/out', '-m', 'from siar', '-q', '2'])
      assert.equal(pub.code, 0, pub.stderr)
      assert.equal(await ms.code, 0, ms.stderr())
      assert.match(ms.stdout(), /^cli\/interop\/out from siar$/m)
    })
  })
}
