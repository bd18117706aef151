import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { spawnTracked, startTestBroker, waitFor, withTimeout, type SpawnedProcess, type TestBroker } from '@siar/testing'

/**
 * The README's first command (`npm ci && npm start`) builds every workspace and
 * npm links the workspace bins into node_modules/.bin, so `npx siar …` from the
 * repo root runs this CLI. --no-install: npx must find it locally, never fetch
 * some other package called siar from the registry.
 */
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
const cliVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version

// npx is a .cmd shim on Windows, which only a shell runs.
const npxCommand = process.platform === 'win32' ? 'npx.cmd' : 'npx'

function npxSiar (args: string[]): SpawnedProcess {
  return spawnTracked(npxCommand, ['--no-install', 'siar', ...args], { cwd: repoRoot })
}

async function finished (proc: SpawnedProcess, what: string): Promise<{ code: number | string, output: string }> {
  const code = await withTimeout(proc.exited, what, 20_000)
  return { code, output: proc.output() }
}

describe('npx siar from the repo root', () => {
  let broker: TestBroker
  before(async () => { broker = await startTestBroker({ wsPort: 0, httpPort: 0 }) })
  after(async () => { await broker.close() })

  test('npx --no-install siar --version prints the CLI version', async () => {
    const { code, output } = await finished(npxSiar(['--version']), 'npx siar --version')
    assert.equal(code, 0, output)
    assert.equal(output.trim(), cliVersion)
  })

  test('npx siar sub receives what npx siar pub sends (QoS 1)', async (t) => {
    const hp = ['-h', '127.0.0.1', '-p', String(broker.port)]
    const sub = npxSiar(['sub', ...hp, '-t', 'npx/check', '-C', '1', '-q', '1', '-d'])
    t.after(async () => { await sub.stop('SIGKILL') })
    // -d reports the SUBACK: publishing before it could be missed.
    await waitFor(() => {
      if (sub.child.exitCode !== null) throw new Error(`sub exited: ${sub.output()}`)
      return sub.output().includes('subscribed to ')
    }, () => `npx siar sub to subscribe (output: ${sub.output()})`, 20_000)
    const pub = await finished(npxSiar(['pub', ...hp, '-t', 'npx/check', '-m', 'via npx', '-q', '1']), 'npx siar pub')
    assert.equal(pub.code, 0, pub.output)
    const got = await finished(sub, 'npx siar sub to exit after one message')
    assert.equal(got.code, 0, got.output)
    assert.match(got.output, /^via npx$/m)
  })
})
