import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { main } from '../src/main.js'
import type { Io } from '../src/output.js'
import { SIAR_BIN_PATH, ephemeralInstallWarning, resolveServiceSpec } from '../src/service/service-spec.js'

function tempDir (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'siar-service-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function siar (args: string[], env: Record<string, string> = {}): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  stdout.on('data', (d: Buffer) => { out += d.toString() })
  stderr.on('data', (d: Buffer) => { err += d.toString() })
  const io: Io = { stdout, stderr, stdin: new PassThrough(), env }
  const code = await main(args, io)
  return { code, out, err }
}

/** systemd's own parser, offline: exit 0 and no complaint, or the reason. */
async function systemdVerify (file: string): Promise<string | undefined> {
  return await new Promise((resolve) => {
    execFile('systemd-analyze', ['verify', file], (err, _stdout, stderr) => {
      if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') return resolve(undefined)
      resolve(err || stderr.trim() !== '' ? `systemd-analyze: ${stderr}` : '')
    })
  })
}

test('Linux user unit: absolute node, siar and config paths, restarts on failure, wanted by default.target, accepted by systemd-analyze', async (t) => {
  const dir = tempDir(t)
  const config = join(dir, 'siar.yaml')
  writeFileSync(config, 'port: 1883\n')
  const res = await siar(['service', 'install', '--config', config, '--output-dir', join(dir, 'out'), '--platform', 'linux'], { SIAR_CONFIG_DIR: '/srv/siar-config' })
  assert.equal(res.code, 0, res.err)
  const unit = readFileSync(join(dir, 'out', 'siar.service'), 'utf8')
  assert.match(unit, new RegExp(`^ExecStart=${process.execPath} ${SIAR_BIN_PATH} start --config ${config}$`, 'm'))
  assert.match(unit, /^Environment=SIAR_CONFIG_DIR=\/srv\/siar-config$/m)
  assert.match(unit, /^Restart=on-failure$/m)
  assert.match(unit, /^After=network-online\.target$/m)
  assert.match(unit, /^\[Install\]\nWantedBy=default\.target$/m)
  assert.doesNotMatch(unit, /^User=/m, 'a user unit runs as its user already')
  assert.match(res.out, new RegExp(`goes to ${userInfo().homedir}/\\.config/systemd/user/siar\\.service`))
  assert.match(res.out, /systemctl --user daemon-reload\n {2}systemctl --user enable --now siar\.service\n {2}loginctl enable-linger/)
  const problem = await systemdVerify(join(dir, 'out', 'siar.service'))
  assert.ok(!problem, problem)
})

test('Linux system unit with --lan: runs as the sudo user, multi-user.target, odd characters in paths quoted for systemd', async (t) => {
  const dir = tempDir(t)
  const config = join(dir, 'my config 100%.yaml')
  writeFileSync(config, 'port: 1883\n')
  const res = await siar(['service', 'install', '--system', '--lan', '--config', config, '--output-dir', dir, '--platform', 'linux'], { SUDO_USER: 'siar-test-student' })
  assert.equal(res.code, 0, res.err)
  const unit = readFileSync(join(dir, 'siar.service'), 'utf8')
  assert.ok(unit.includes(`--config "${config.replace('%', '%%')}" --lan\n`), unit)
  assert.match(unit, /^User=siar-test-student$/m)
  // The login `siar start --lan` made for that user, not root's config dir.
  assert.match(unit, /^Environment=SIAR_CONFIG_DIR=\/home\/siar-test-student\/\.config\/siar$/m)
  assert.match(unit, /^WantedBy=multi-user\.target$/m)
  assert.match(res.out, /goes to \/etc\/systemd\/system\/siar\.service/)
  assert.match(res.out, /^ {2}systemctl enable --now siar\.service$/m)
  const problem = await systemdVerify(join(dir, 'siar.service'))
  assert.ok(!problem, problem)
})

test('macOS launchd agent: a property list that parses, with the program arguments, restart on crash and a log file', async (t) => {
  const dir = tempDir(t)
  const config = join(dir, 'a&b <c>.yaml')
  writeFileSync(config, 'port: 1883\n')
  const res = await siar(['service', 'install', '--config', config, '--output-dir', dir, '--platform', 'darwin'], { SIAR_CONFIG_DIR: '/Users/ana/Library/Application Support/siar' })
  assert.equal(res.code, 0, res.err)
  assert.match(res.out, /goes to .*\/Library\/LaunchAgents\/siar\.plist/)
  assert.match(res.out, /launchctl bootstrap gui\/\d+ .*\/Library\/LaunchAgents\/siar\.plist/)
  // Python's plistlib is a real plist parser; the DTD and escaping must hold up.
  const parsed = await new Promise<Record<string, unknown>>((resolve, reject) => {
    execFile('/usr/bin/python3', ['-c', 'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))', join(dir, 'siar.plist')],
      (err, stdout) => err ? reject(err) : resolve(JSON.parse(stdout) as Record<string, unknown>))
  })
  assert.deepEqual(parsed.ProgramArguments, [process.execPath, SIAR_BIN_PATH, 'start', '--config', config])
  assert.equal(parsed.Label, 'siar')
  assert.equal(parsed.RunAtLoad, true)
  assert.deepEqual(parsed.KeepAlive, { SuccessfulExit: false })
  assert.deepEqual(parsed.EnvironmentVariables, { SIAR_CONFIG_DIR: '/Users/ana/Library/Application Support/siar' })
  assert.match(String(parsed.StandardErrorPath), /Library\/Logs\/siar\.log$/)
  assert.equal(parsed.UserName, undefined)
})

test('Windows: the node-windows settings (script, options, node path, env) are written for review', async (t) => {
  const dir = tempDir(t)
  const config = join(dir, 'siar config.yaml')
  writeFileSync(config, 'port: 1883\n')
  const res = await siar(['service', 'install', '--config', config, '--lan', '--output-dir', dir, '--platform', 'win32'], { SIAR_CONFIG_DIR: 'C:\\Users\\ana\\AppData\\Roaming\\siar' })
  assert.equal(res.code, 0, res.err)
  const settings = JSON.parse(readFileSync(join(dir, 'siar-service.json'), 'utf8')) as Record<string, unknown>
  assert.deepEqual(settings, {
    name: 'siar',
    description: 'siar MQTT broker',
    script: SIAR_BIN_PATH,
    scriptOptions: `start --config "${config}" --lan`,
    execPath: process.execPath,
    env: [{ name: 'SIAR_CONFIG_DIR', value: 'C:\\Users\\ana\\AppData\\Roaming\\siar' }]
  })
})

test('--dry-run prints files and commands and writes nothing; usage errors exit 2', async (t) => {
  const dir = tempDir(t)
  const home = userInfo().homedir
  const realUnit = join(home, '.config', 'systemd', 'user', 'siar.service')
  const existedBefore = existsSync(realUnit)
  const install = await siar(['service', 'install', '--dry-run', '--platform', 'linux'], { SIAR_CONFIG_DIR: dir })
  assert.equal(install.code, 0)
  assert.match(install.out, new RegExp(`would write ${home}/\\.config/systemd/user/siar\\.service:\\n# Written by`))
  assert.match(install.out, /ExecStart=.* start\n/)
  assert.match(install.out, /would run: systemctl --user enable --now siar\.service/)
  const uninstall = await siar(['service', 'uninstall', '--dry-run', '--platform', 'darwin'])
  assert.match(uninstall.out, /would run: launchctl bootout gui\/\d+\/siar\nwould remove .*LaunchAgents\/siar\.plist/)
  const status = await siar(['service', 'status', '--dry-run', '--platform', 'win32'])
  assert.match(status.out, /would run: sc query siar\.exe/)

  assert.equal((await siar(['service', 'install', '--config', join(dir, 'missing.yaml'), '--dry-run'])).code, 2)
  assert.equal((await siar(['service', 'restart'])).code, 2)
  const other = process.platform === 'darwin' ? 'linux' : 'darwin'
  const wrongOs = await siar(['service', 'install', '--platform', other])
  assert.equal(wrongOs.code, 2)
  assert.match(wrongOs.err, /--platform works only with --dry-run or --output-dir/)
  assert.equal(existsSync(realUnit), existedBefore, 'a dry run writes no unit file')
  assert.doesNotMatch(install.out, /^wrote /m)
})

test('a siar run from npx\'s cache gets a warning before it becomes a service', () => {
  const spec = resolveServiceSpec({ scope: 'user', platform: 'linux', env: {} })
  assert.equal(ephemeralInstallWarning(spec), undefined)
  assert.match(ephemeralInstallWarning({ ...spec, siarBin: '/home/ana/.npm/_npx/1a2b/node_modules/siar/bin/siar.js' }) ?? '', /npm install -g/)
})
