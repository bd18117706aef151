import { randomBytes } from 'node:crypto'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { Command } from 'commander'
import { hashPassword, parsePasswordFile, updatePasswordText } from '@siar/core'
import { CliError, ExitCodes, type Io } from '../output.js'
import { readPassword } from '../read-password.js'

interface PasswdFlags {
  create?: boolean
  batch?: boolean
  delete?: boolean
}

/**
 * `siar passwd`: manage a password file the way mosquitto_passwd does
 * (-c create, -b batch, -D delete), writing siar's `$scrypt$` hashes.
 * The broker also reads mosquitto_passwd's own lines, so both tools can
 * maintain the same file.
 */
export function passwdCommand (io: Io, done: (code: number) => void): Command {
  return new Command('passwd')
    .description('add, change or delete a user in a password file (like mosquitto_passwd)')
    .helpOption('--help', 'show help')
    .argument('<file>', 'password file')
    .argument('<user>', 'user name')
    .argument('[password]', 'the password, with -b only')
    .option('-c, --create', 'create the file, overwriting an existing one')
    .option('-b, --batch', 'take the password from the command line (it shows in shell history and ps)')
    .option('-D, --delete', 'delete the user')
    .addHelpText('after', [
      '',
      'Without -b the password is asked twice, without echo, on a terminal;',
      'from a pipe the first line of standard input is the password.',
      'The broker reloads the file on change or SIGHUP; connected clients stay.',
      '',
      'Examples:',
      '  siar passwd -c /etc/siar/passwd alice',
      '  siar passwd -b /etc/siar/passwd sensor-1 s3cret',
      '  siar passwd -D /etc/siar/passwd alice'
    ].join('\n'))
    .action(async (file: string, user: string, password: string | undefined, flags: PasswdFlags) => {
      done(await runPasswd(file, user, password, flags, io))
    })
}

export async function runPasswd (file: string, user: string, password: string | undefined, flags: PasswdFlags, io: Io): Promise<number> {
  if (flags.delete && (flags.create || flags.batch)) throw new CliError('-D cannot be combined with -c or -b', ExitCodes.USAGE)
  if (password !== undefined && !flags.batch) throw new CliError('a password argument needs -b (or leave it out to be asked)', ExitCodes.USAGE)
  if (flags.batch && password === undefined) throw new CliError('-b needs the password after the user name', ExitCodes.USAGE)
  checkUsername(user)

  const existing = flags.create ? '' : await readExisting(file, !flags.delete)
  if (flags.delete) {
    const { text, existed } = updatePasswordText(existing, user, undefined)
    if (!existed) throw new CliError(`user ${user} is not in ${file}`)
    await writeAtomically(file, text)
    return ExitCodes.OK
  }
  const secret = password ?? await readPassword(io, user)
  if (secret === '') throw new CliError('empty passwords are not accepted')
  const { text } = updatePasswordText(existing, user, await hashPassword(secret))
  await writeAtomically(file, text)
  return ExitCodes.OK
}

/** Mosquitto's rules: no `:` (it ends the name) and no control characters. */
function checkUsername (user: string): void {
  if (user === '') throw new CliError('the user name must not be empty', ExitCodes.USAGE)
  // eslint-disable-next-line no-control-regex
  if (user.includes(':') || /[\u0000-\u001f\u007f]/.test(user)) throw new CliError('the user name must not contain ":" or control characters', ExitCodes.USAGE)
}

async function readExisting (file: string, missingOk: boolean): Promise<string> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && missingOk) throw new CliError(`${file} does not exist; add -c to create it`)
    if (code === 'ENOENT') throw new CliError(`${file} does not exist`)
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`)
  }
  // Refuse to rewrite a file we could not read back: it may not be a password file at all.
  try {
    parsePasswordFile(text, file)
  } catch (err) {
    throw new CliError(`${(err as Error).message}\nfix or remove those lines first`)
  }
  return text
}

/**
 * Write next to the target and rename over it, so the broker's file watch
 * never reads a half-written file. Mode 0600: hashes are still secrets.
 */
async function writeAtomically (file: string, text: string): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`
  try {
    await writeFile(tmp, text, { mode: 0o600 })
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, { force: true })
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`)
  }
}
