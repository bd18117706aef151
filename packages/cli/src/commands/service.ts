import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { Command, Option } from 'commander'
import { CliError, ExitCodes, type Io } from '../output.js'
import { launchdPlan } from '../service/launchd-plist.js'
import { ephemeralInstallWarning, resolveServiceSpec, type ServiceScope, type ServiceSpec } from '../service/service-spec.js'
import { formatArgv, removePlanFile, runCommands, writePlanFile, type ServicePlan } from '../service/service-plan.js'
import { systemdPlan } from '../service/systemd-unit.js'
import { runWindowsService, windowsServiceConfig } from '../service/windows-service.js'

type Action = 'install' | 'uninstall' | 'status'

interface ServiceFlags {
  config?: string
  lan?: boolean
  system?: boolean
  dryRun?: boolean
  outputDir?: string
  platform?: NodeJS.Platform
}

/** `siar service install|uninstall|status`: run the broker at boot (systemd, launchd, Windows service). */
export function serviceCommand (io: Io, done: (code: number) => void): Command {
  return new Command('service')
    .description('run the broker at boot: a systemd unit (Linux), a launchd agent (macOS) or a Windows service')
    .helpOption('--help', 'show help')
    .argument('<action>', 'install, uninstall or status')
    .option('-c, --config <file>', 'the config file the service starts siar with')
    .option('--lan', 'start the service with --lan (devices on the network, generated login)')
    .option('--system', 'a system-wide service (needs root; runs as the user who ran sudo) instead of one for your user')
    .option('--dry-run', 'print the files and commands, change nothing')
    .option('--output-dir <dir>', 'write the unit/plist files into this directory instead of installing them')
    .addOption(new Option('--platform <os>', 'generate for another OS (with --dry-run or --output-dir)').choices(['linux', 'darwin', 'win32']).hideHelp())
    .addHelpText('after', [
      '',
      'Examples:',
      '  siar service install --config ~/siar.yaml          # Linux: a user unit; macOS: a launchd agent',
      '  sudo siar service install --system --lan           # Linux: /etc/systemd/system/siar.service',
      '  siar service install --dry-run                     # show what would be written',
      '  siar service status',
      '  siar service uninstall',
      'Docs: docs/getting-started.md#start-at-boot'
    ].join('\n'))
    .action(async (action: string, flags: ServiceFlags) => {
      if (action !== 'install' && action !== 'uninstall' && action !== 'status') {
        throw new CliError(`unknown action ${JSON.stringify(action)}: use install, uninstall or status`, ExitCodes.USAGE)
      }
      done(await runService(action, flags, io))
    })
}

async function runService (action: Action, flags: ServiceFlags, io: Io): Promise<number> {
  const say = (line: string): void => { io.stdout.write(line + '\n') }
  const platform = flags.platform ?? process.platform
  const preview = Boolean(flags.dryRun) || flags.outputDir !== undefined
  if (platform !== process.platform && !preview) throw new CliError('--platform works only with --dry-run or --output-dir', ExitCodes.USAGE)
  const scope: ServiceScope = flags.system ? 'system' : 'user'
  const spec = resolveServiceSpec({ scope, platform, env: io.env, lan: Boolean(flags.lan), ...(flags.config !== undefined ? { config: flags.config } : {}) })
  const warning = ephemeralInstallWarning(spec)
  if (warning && action === 'install') io.stderr.write(warning + '\n')

  if (platform === 'win32') return await windows(action, spec, flags, say)
  if (platform !== 'linux' && platform !== 'darwin') throw new CliError(`siar service supports Linux (systemd), macOS (launchd) and Windows, not ${platform}`)
  const plan = platform === 'linux' ? systemdPlan(spec) : launchdPlan(spec, process.getuid?.() ?? 501)

  if (flags.outputDir !== undefined) {
    if (action !== 'install') throw new CliError('--output-dir goes with install', ExitCodes.USAGE)
    for (const f of plan.files) {
      const out = join(flags.outputDir, basename(f.path))
      await writePlanFile(out, f.content)
      say(`wrote ${out} (installed, it goes to ${f.path})`)
    }
    say('then run:')
    for (const c of plan.install) say(`  ${formatArgv(c.argv)}${c.optional ? '   (may fail harmlessly)' : ''}`)
    return ExitCodes.OK
  }
  if (flags.dryRun) return dryRun(action, plan, say)
  if (plan.needsRoot && process.getuid?.() !== 0) {
    throw new CliError(`a system service needs root: run it with sudo, or leave out --system for a service of your own user`)
  }
  const file = plan.files[0]?.path as string
  if (action === 'install') {
    for (const f of plan.files) { await writePlanFile(f.path, f.content); say(`wrote ${f.path}`) }
    if (!(await runCommands(plan.install, say))) return ExitCodes.ERROR
    say(`siar runs as a service now and starts at boot. Log: ${plan.logs}`)
    return ExitCodes.OK
  }
  if (action === 'uninstall') {
    if (!existsSync(file)) { say(`not installed (no ${file})`); return ExitCodes.OK }
    await runCommands(plan.uninstall, say)
    for (const f of plan.files) { await removePlanFile(f.path); say(`removed ${f.path}`) }
    return (await runCommands(plan.afterUninstall, say)) ? ExitCodes.OK : ExitCodes.ERROR
  }
  if (!existsSync(file)) { say(`not installed (no ${file}); install with: siar service install --config <file>`); return ExitCodes.ERROR }
  say(`installed: ${file}`)
  return (await runCommands(plan.status, say)) ? ExitCodes.OK : ExitCodes.ERROR
}

function dryRun (action: Action, plan: ServicePlan, say: (line: string) => void): number {
  if (action === 'install') {
    for (const f of plan.files) say(`would write ${f.path}:\n${f.content}`)
    for (const c of plan.install) say(`would run: ${formatArgv(c.argv)}`)
  } else if (action === 'uninstall') {
    for (const c of plan.uninstall) say(`would run: ${formatArgv(c.argv)}`)
    for (const f of plan.files) say(`would remove ${f.path}`)
    for (const c of plan.afterUninstall) say(`would run: ${formatArgv(c.argv)}`)
  } else {
    for (const c of plan.status) say(`would run: ${formatArgv(c.argv)}`)
  }
  return ExitCodes.OK
}

async function windows (action: Action, spec: ServiceSpec, flags: ServiceFlags, say: (line: string) => void): Promise<number> {
  const config = windowsServiceConfig(spec)
  const json = JSON.stringify(config, null, 2) + '\n'
  if (flags.outputDir !== undefined) {
    const out = join(flags.outputDir, 'siar-service.json')
    await mkdir(flags.outputDir, { recursive: true })
    await writeFile(out, json)
    say(`wrote ${out} (the settings siar service install gives node-windows)`)
    return ExitCodes.OK
  }
  if (flags.dryRun) {
    say(action === 'status' ? 'would run: sc query siar.exe' : `would ${action} a Windows service through node-windows with:\n${json}`)
    return ExitCodes.OK
  }
  // node-windows names the service <name>.exe (WinSW's wrapper).
  if (action === 'status') return (await runCommands([{ argv: ['sc', 'query', `${spec.name}.exe`] }], say)) ? ExitCodes.OK : ExitCodes.ERROR
  return (await runWindowsService(config, action, say)) ? ExitCodes.OK : ExitCodes.ERROR
}
