import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { connectMqtt, getFreePort, MessageCollector, spawnTracked, waitFor, withTimeout } from '@siar/testing'
import { readTarball, runCommand, type TarEntry } from './pack-support.js'

/**
 * `npm run pack:standalone` makes a tarball that `npm install -g` takes with no
 * repo around (the workspace packages are not on npm, so they ride inside it).
 * Installed into a throwaway prefix and run from outside the repo, it must be a
 * working broker. Uses the built dist of every workspace (npm test builds first).
 */
const cliDir = fileURLToPath(new URL('..', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url)).replace(/[\\/]$/, '')
const cliVersion = (JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')) as { version: string }).version
const win = process.platform === 'win32'
const npmCommand = win ? 'npm.cmd' : 'npm'

/** Bounds that would catch a tarball dragging in dev dependencies or sources (it packs to ~3 MiB, ~2,000 files). */
const MAX_PACKED_BYTES = 8 * 1024 * 1024
const MAX_ENTRIES = 4000

describe('siar packed as a standalone tarball', () => {
  let dir: string
  let tarball: string
  let entries: TarEntry[]

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'siar-pack-test-'))
    const packed = await runCommand(process.execPath, [join(cliDir, 'scripts', 'pack.mjs'), '--out', dir], { timeoutMs: 60_000 })
    assert.equal(packed.code, 0, `pack failed:\n${packed.stderr}`)
    tarball = packed.stdout.trim()
    entries = readTarball(tarball)
  })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  test('holds the CLI, the workspace packages it needs, and their dependencies, as bundleDependencies', (t) => {
    assert.equal(tarball, join(dir, `siar-${cliVersion}.tgz`))
    const paths = new Set(entries.map((e) => e.path))
    for (const file of [
      'package/bin/siar.js', 'package/dist/main.js', 'package/dist/bench/worker.js',
      'package/node_modules/@siar/core/package.json', 'package/node_modules/@siar/core/dist/index.js',
      'package/node_modules/@siar/broker/dist/index.js', 'package/node_modules/@siar/client/dist/index.js',
      'package/node_modules/@siar/explorer/dist/web/index.html', 'package/node_modules/aedes/package.json'
    ]) assert.ok(paths.has(file), `${file} is in the tarball`)
    const manifest = JSON.parse(entries.find((e) => e.path === 'package/package.json')!.body.toString()) as {
      name: string, version: string, bin: Record<string, string>, dependencies: Record<string, string>, bundleDependencies: string[]
    }
    assert.equal(manifest.name, 'siar')
    assert.equal(manifest.version, cliVersion)
    assert.deepEqual(manifest.bin, { siar: './bin/siar.js' })
    assert.deepEqual([...manifest.bundleDependencies].sort(), Object.keys(manifest.dependencies).sort(), 'every dependency is bundled')
    assert.ok(manifest.bundleDependencies.includes('@siar/core'))
    const bytes = statSync(tarball).size
    t.diagnostic(`${tarball}: ${(bytes / 1048576).toFixed(2)} MiB, ${entries.length} entries`)
    assert.ok(bytes < MAX_PACKED_BYTES, `tarball is ${bytes} bytes`)
    assert.ok(entries.length < MAX_ENTRIES, `tarball has ${entries.length} entries`)
  })

  test('has no links, no sources or maps of our packages, and no absolute path of this machine', () => {
    const links = entries.filter((e) => e.type === '1' || e.type === '2').map((e) => e.path)
    assert.deepEqual(links, [], 'symlinks and hard links do not install on Windows')
    const ours = entries.filter((e) => /^package\/(dist|node_modules\/@siar)\//.test(e.path)).map((e) => e.path)
    assert.deepEqual(ours.filter((p) => /\.(ts|map)$/.test(p)), [])
    // Our files and every manifest (where old npm versions wrote _where/_resolved)
    // must not name the repo, the home directory or the staging directory. In
    // third-party code a short path like /app/ could appear for other reasons,
    // so there only the staging directory's unique prefix is searched for.
    const staging = join(tmpdir(), 'siar-pack-')
    const machine = [`${repoRoot}${sep}`, `${homedir()}${sep}`, staging].filter((p) => p.length > 2)
    for (const entry of entries) {
      const text = entry.body.toString('latin1')
      const mine = /^package\/(bin|dist|node_modules\/@siar)\//.test(entry.path) || entry.path.endsWith('/package.json')
      for (const path of mine ? machine : [staging]) assert.ok(!text.includes(path), `${entry.path} mentions ${path}`)
    }
  })

  test('npm install -g into a fresh prefix gives a siar that serves MQTT from outside the repo', async (t) => {
    const prefix = join(dir, 'prefix')
    const work = join(dir, 'elsewhere')
    mkdirSync(prefix)
    mkdirSync(work)
    const install = await runCommand(npmCommand, ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], { cwd: work, timeoutMs: 60_000 })
    assert.equal(install.code, 0, `npm install -g failed:\n${install.stderr}${install.stdout}`)
    t.diagnostic(`npm install -g took ${(install.ms / 1000).toFixed(1)} s`)
    const siar = win ? join(prefix, 'siar.cmd') : join(prefix, 'bin', 'siar')

    const version = await runCommand(siar, ['--version'], { cwd: work, timeoutMs: 20_000 })
    assert.equal(version.code, 0, version.stderr)
    assert.equal(version.stdout.trim(), cliVersion)

    const port = await getFreePort()
    const httpPort = await getFreePort()
    // No inherited SIAR_* settings: this is a user's first run.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SIAR_')))
    const broker = spawnTracked(siar, ['start', '--port', String(port), '--ws-port', '0', '--http-port', String(httpPort)], { cwd: work, env })
    t.after(async () => { await broker.stop('SIGKILL') })
    await waitFor(async () => {
      if (broker.child.exitCode !== null) throw new Error(`siar start exited: ${broker.output()}`)
      return (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 200
    }, () => `the installed siar start to be ready (output: ${broker.output()})`, 20_000, 50)
    assert.match(broker.output(), new RegExp(`siar ${cliVersion.replace(/\./g, '\\.')}`))
    // The explorer page is found inside the installed @siar/explorer.
    const page = await fetch(`http://127.0.0.1:${httpPort}/`)
    assert.equal(page.status, 200)
    assert.match(await page.text(), /<title>siar explorer<\/title>/)

    const sub = await connectMqtt(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5 })
    const pub = await connectMqtt(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4 })
    t.after(async () => { await Promise.all([sub.endAsync(true), pub.endAsync(true)]) })
    const got = new MessageCollector(sub)
    await sub.subscribeAsync('packed/#', { qos: 1 })
    await pub.publishAsync('packed/check', 'from the tarball', { qos: 1 })
    const [msg] = await got.waitForCount(1)
    assert.equal(msg?.topic, 'packed/check')
    assert.equal(msg?.payload, 'from the tarball')

    // siar bench runs its worker file from the installed dist.
    const bench = await runCommand(siar, ['bench', 'fanin', '-h', '127.0.0.1', '-p', String(port), '--publishers', '1', '--count', '20', '--workers', '1', '--drain', '200', '--json'], { cwd: work, timeoutMs: 30_000 })
    assert.equal(bench.code, 0, bench.stderr)
    assert.equal((JSON.parse(bench.stdout) as { messages: { received: number } }).messages.received, 20)

    if (!win) { // Windows has no SIGTERM to send; the shim would die instead of siar.
      assert.equal(await withTimeout(broker.stop('SIGTERM'), 'siar start to exit on SIGTERM', 10_000), 0, broker.output())
    }
  })
})
