import { CliError, ExitCodes, type Io } from './output.js'

type TtyStdin = NodeJS.ReadableStream & { isTTY?: boolean, setRawMode?: (raw: boolean) => unknown }

/**
 * The password for `user`: asked twice without echo on a terminal (prompts
 * on stderr, so stdout stays clean), or the first line of a piped stdin.
 */
export async function readPassword (io: Io, user: string): Promise<string> {
  const stdin = io.stdin as TtyStdin
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return await readFirstLine(stdin)
  const first = await readHidden(io, stdin, `Password for ${user}: `)
  const second = await readHidden(io, stdin, 'Reenter password: ')
  if (first !== second) throw new CliError('the passwords do not match')
  return first
}

/** Read one line in raw mode, echoing nothing. Ctrl+C and Ctrl+D abort. */
function readHidden (io: Io, stdin: TtyStdin, prompt: string): Promise<string> {
  io.stderr.write(prompt)
  stdin.setRawMode?.(true)
  stdin.resume()
  return new Promise((resolve, reject) => {
    let text = ''
    const finish = (err?: Error): void => {
      stdin.off('data', onData)
      stdin.setRawMode?.(false)
      stdin.pause()
      io.stderr.write('\n')
      if (err) reject(err)
      else resolve(text)
    }
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish()
        if (ch === '\u0003' || ch === '\u0004') return finish(new CliError('cancelled', ExitCodes.ERROR))
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1)
        else text += ch
      }
    }
    stdin.on('data', onData)
  })
}

function readFirstLine (stdin: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const done = (): void => {
      stdin.off('data', onData)
      stdin.off('end', done)
      stdin.off('error', reject)
      stdin.pause()
      resolve(text.split(/\r?\n/)[0] ?? '')
    }
    const onData = (chunk: Buffer | string): void => {
      text += chunk.toString()
      if (text.includes('\n')) done()
    }
    stdin.on('data', onData)
    stdin.once('end', done)
    stdin.once('error', reject)
    stdin.resume()
  })
}
