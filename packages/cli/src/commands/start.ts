import { Command, Option } from 'commander'
import { OPTION_SOURCES } from '@siar/core'
import { runServer } from '@siar/broker'
import { ExitCodes, type Io } from '../output.js'
import { prepareLanMode, type LanMode } from '../lan/lan-mode.js'

/** Flag attribute names as commander stores them (max-packet-size → maxPacketSize). */
const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())

export function startCommand (io: Io, done: (code: number) => void): Command {
  const cmd = new Command('start')
    .description('run a broker (single node, in memory, on 127.0.0.1 unless told otherwise)')
    .helpOption('--help', 'show help')
    .option('-c, --config <file>', 'YAML or JSON config file (also SIAR_CONFIG)')
    .option('--lan', 'let devices on your network connect: every interface, a generated login (unless a password file is given), and how-to-connect instructions')
  for (const src of OPTION_SOURCES) {
    const spec = src.type === 'boolean' ? `--${src.flag}` : `--${src.flag} <${src.valueName ?? 'value'}>`
    cmd.addOption(new Option(spec, `${src.description} [env ${src.env}]`))
  }
  cmd.addHelpText('after', '\nPrecedence: flags > SIAR_* environment > config file > defaults.\nDocs: docs/configuration.md')
  cmd.action(async (raw: Record<string, unknown>) => {
    const flags: Record<string, unknown> = {}
    for (const src of OPTION_SOURCES) {
      const value = raw[camel(src.flag)]
      if (value !== undefined) flags[src.path] = value
    }
    let lan: LanMode | undefined
    if (raw.lan === true) {
      lan = await prepareLanMode({ flags, env: io.env, configFile: raw.config as string | undefined })
    }
    const server = await runServer({
      flags: lan?.flags ?? flags,
      env: io.env,
      configFile: raw.config as string | undefined,
      stdout: io.stdout,
      stderr: io.stderr
    })
    if (!server) return done(ExitCodes.ERROR)
    if (lan) io.stdout.write(lan.instructions(server))
    done(await server.stopped)
  })
  return cmd
}
