import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { Command } from 'commander'
import { connect, type QoS, type SiarClient } from '@siar/client'
import { addConnectionFlags, collect, intFlag, toConnectOptions, type ConnectionFlags } from '../connection-flags.js'
import { publishPropertiesFromFlags } from '../v5-properties.js'
import { CliError, ExitCodes, type Io } from '../output.js'

interface PubFlags extends ConnectionFlags {
  topic?: string
  message?: string
  nullMessage?: boolean
  file?: string
  stdinLine?: boolean
  stdinFile?: boolean
  qos: string
  retain?: boolean
  repeat?: string
  property?: string[]
}

export function pubCommand (io: Io, done: (code: number) => void): Command {
  const cmd = new Command('pub')
    .description('publish a message (flags as mosquitto_pub)')
    .helpOption('--help', 'show help')
  addConnectionFlags(cmd)
    .option('-t, --topic <topic>', 'topic to publish to')
    .option('-m, --message <text>', 'message payload')
    .option('-n, --null-message', 'send an empty (zero-length) payload; clears a retained message with -r')
    .option('-f, --file <file>', 'send the contents of a file as the payload')
    .option('-l, --stdin-line', 'send each line of standard input as a message')
    .option('-s, --stdin-file', 'send all of standard input as one message')
    .option('-q, --qos <0|1|2>', 'quality of service', '0')
    .option('-r, --retain', 'ask the broker to retain the message')
    .option('--repeat <n>', 'publish the message n times', '1')
    .option('-D, --property <spec>', 'v5 property: -D publish <name> <value> (user-property takes a key and a value)', collect)
    .addHelpText('after', '\nExamples:\n  siar pub -t sensors/1/temp -m 21.5\n  siar pub -t lamp/state -m on -r -q 1\n  siar pub -t a/b -m hi -D publish user-property unit celsius -D publish content-type text/plain')
    .action(async (flags: PubFlags) => { done(await runPub(flags, io)) })
  return cmd
}

async function runPub (flags: PubFlags, io: Io): Promise<number> {
  const { options, urlTopic } = toConnectOptions(flags)
  const topic = flags.topic ?? urlTopic
  if (!topic) throw new CliError('no topic: give one with -t TOPIC (or in the URL: -L mqtt://host/TOPIC)', ExitCodes.USAGE)
  const qos = intFlag('-q', flags.qos, 0, 2) as QoS
  const properties = publishPropertiesFromFlags(flags.property ?? [])
  if (properties && options.protocolVersion !== 5) throw new CliError('-D properties need MQTT 5 (-V 5)', ExitCodes.USAGE)
  const sources = [flags.message !== undefined, flags.nullMessage, flags.file !== undefined, flags.stdinLine, flags.stdinFile].filter(Boolean).length
  if (sources === 0) throw new CliError('no message: give one of -m TEXT, -n, -f FILE, -l or -s', ExitCodes.USAGE)
  if (sources > 1) throw new CliError('give only one of -m, -n, -f, -l, -s', ExitCodes.USAGE)
  const repeat = intFlag('--repeat', flags.repeat ?? '1', 1, 10_000_000)

  const client = await connect(options)
  debug(flags, io, `connected to ${client.where} (MQTT ${options.protocolVersion === 4 ? '3.1.1' : options.protocolVersion === 3 ? '3.1' : '5'})`)
  try {
    const send = async (payload: string | Buffer): Promise<void> => {
      await client.publish(topic, payload, { qos, retain: Boolean(flags.retain), ...(properties ? { properties } : {}) })
      debug(flags, io, `sent PUBLISH (q${qos}, r${flags.retain ? 1 : 0}, '${topic}', ... (${Buffer.byteLength(payload)} bytes))`)
    }
    if (flags.stdinLine) {
      await publishLines(io, send)
    } else {
      const payload = await readPayload(flags, io)
      for (let i = 0; i < repeat; i++) await send(payload)
    }
  } finally {
    await endQuietly(client)
  }
  return ExitCodes.OK
}

async function readPayload (flags: PubFlags, io: Io): Promise<string | Buffer> {
  if (flags.message !== undefined) return flags.message
  if (flags.nullMessage) return Buffer.alloc(0)
  if (flags.file !== undefined) {
    try {
      return await readFile(flags.file)
    } catch (err) {
      throw new CliError(`-f: cannot read ${flags.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  }
  const chunks: Buffer[] = []
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks)
}

async function publishLines (io: Io, send: (payload: string) => Promise<void>): Promise<void> {
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity })
  for await (const line of lines) {
    if (line.length > 0) await send(line)
  }
}

function debug (flags: ConnectionFlags, io: Io, text: string): void {
  if (flags.debug) io.stderr.write(`${text}\n`)
}

export async function endQuietly (client: SiarClient): Promise<void> {
  try {
    await client.end()
  } catch { /* already closed */ }
}
