import { Command, CommanderError } from 'commander'
import { VERSION } from '@siar/core'
import { foldPropertyFlags } from './mosquitto-args.js'
import { ExitCodes, printError, processIo, type Io } from './output.js'
import { benchCommand } from './commands/bench.js'
import { doctorCommand } from './commands/doctor.js'
import { exploreCommand } from './commands/explore.js'
import { passwdCommand } from './commands/passwd.js'
import { pubCommand } from './commands/pub.js'
import { serviceCommand } from './commands/service.js'
import { startCommand } from './commands/start.js'
import { subCommand } from './commands/sub.js'

/** Run the CLI; resolves with the exit code. `siar start` resolves when the broker stops. */
export async function main (argv: string[], io: Io = processIo()): Promise<number> {
  let exitCode: number = ExitCodes.OK
  let settle!: () => void
  const finished = new Promise<void>((resolve) => { settle = resolve })
  const done = (code: number): void => { exitCode = code; settle() }

  const program = new Command('siar')
    .description('siar: an MQTT broker in one command, and tools to test any broker')
    .version(VERSION, '--version', 'print the version')
    .helpOption('--help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s)
    })
    .showHelpAfterError('(add --help for usage)')
  for (const make of [startCommand, pubCommand, subCommand, benchCommand, passwdCommand, exploreCommand, doctorCommand, serviceCommand]) {
    program.addCommand(make(io, done).exitOverride())
  }

  try {
    // passwd's -D means delete (as in mosquitto_passwd), not a v5 property.
    await program.parseAsync(argv[0] === 'passwd' ? argv : foldPropertyFlags(argv), { from: 'user' })
    if (argv.length === 0) {
      program.outputHelp()
      return ExitCodes.USAGE
    }
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? ExitCodes.OK : ExitCodes.USAGE
    }
    return printError(io, err)
  }
  await finished
  return exitCode
}
