import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { spawnTracked, withTimeout } from '@siar/testing'
import { BACKENDS, type Backend } from './support/brokers.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const DIR = fileURLToPath(new URL('../../../examples/client/', import.meta.url))

/** What each example prints; a new example without an entry here fails the test. */
const EXPECTED: Record<string, string> = {
  'sensors.mjs': 'kitchen: 21.5 °C\nattic: skipped (SIAR_ERR_CLIENT_CODEC)\nhall: 19 °C\n',
  'request-reply.mjs': '2 + 3 = 5\n' +
    'div failed: SIAR_ERR_CLIENT_REQUEST_FAILED - the responder on services/math/div failed: cannot div 1 and 0\n' +
    'no responder: SIAR_ERR_CLIENT_REQUEST_TIMEOUT\n',
  'validate.mjs': 'order A1 x2\n' +
    'rejected: cannot decode the 19-byte payload on shop/orders as json: expected { id: string, qty: integer >= 1 }\n' +
    'status: {"open":"yes","staff":"3"} text/x-kv\n',
  'callback.mjs': 'alerts/boiler: pressure high (unit bar, content type text/plain)\n'
}

const examples = readdirSync(DIR).filter((f) => f.endsWith('.mjs')).sort()

test('every example has an expected output', () => {
  assert.deepEqual(examples, Object.keys(EXPECTED).sort())
})

for (const backend of BACKENDS) {
  describe(`examples/client against ${backend.name}`, () => {
    let broker: Backend
    before(async () => { broker = await backend.start() })
    after(async () => { await broker.close() })

    for (const file of examples) {
      test(file, async () => {
        // From source, as the test runner does ('@siar/client' resolves to src/ under the "source" condition).
        const proc = spawnTracked(process.execPath, ['--conditions=source', '--import', 'tsx', `${DIR}${file}`], {
          cwd: ROOT,
          env: { ...process.env, MQTT_URL: broker.url }
        })
        const code = await withTimeout(proc.exited, `${file} to finish`, 20_000).catch(async (err: Error) => { await proc.stop('SIGKILL'); throw err })
        assert.equal(code, 0, proc.output())
        assert.equal(proc.output(), EXPECTED[file])
      })
    }
  })
}
