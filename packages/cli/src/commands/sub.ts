import { Command } from 'commander'
import { connect, type Message, type QoS } from '@siar/client'
import { addConnectionFlags, collect, intFlag, toConnectOptions, type ConnectionFlags } from '../connection-flags.js'
import { messageToJson } from '../format-message.js'
import { CliError, ExitCodes, type Io } from '../output.js'
import { endQuietly } from './pub.js'

interface SubFlags extends ConnectionFlags {
  topic?: string[]
  qos: string
  verbose?: boolean
  count?: string
  timeout?: string
  noStale?: boolean
  noNewline?: boolean
  json?: boolean
}

export function subCommand (io: Io, done: (code: number) => void): Command {
  const cmd = new Command('sub')
    .description('subscribe and print messages (flags as mosquitto_sub)')
    .helpOption('--help', 'show help')
  addConnectionFlags(cmd)
    .option('-t, --topic <filter>', 'topic filter to subscribe to (repeat for more)', collect)
    .option('-q, --qos <0|1|2>', 'maximum QoS to receive', '0')
    .option('-v, --verbose', 'print the topic before each payload')
    .option('-C, --count <n>', 'exit after n messages')
    .option('-W, --timeout <seconds>', 'stop after this many seconds; exit code 27 if that ends the run (as mosquitto_sub)')
    .option('-R, --no-stale', 'do not print retained messages sent on subscribe')
    .option('-N, --no-newline', 'do not print a newline after each payload')
    .option('--json', 'print one JSON object per message: topic, payload, qos, retain, v5 properties')
    .addHelpText('after', "\nExamples:\n  siar sub -t 'sensors/#' -v\n  siar sub -t a/b -C 1 -W 5 --json")
    .action(async (flags: SubFlags) => { done(await runSub(flags, io)) })
  return cmd
}

async function runSub (flags: SubFlags, io: Io): Promise<number> {
  const { options, urlTopic } = toConnectOptions(flags)
  const filters = flags.topic ?? (urlTopic ? [urlTopic] : [])
  if (filters.length === 0) throw new CliError('no topic: give at least one -t FILTER', ExitCodes.USAGE)
  const qos = intFlag('-q', flags.qos, 0, 2) as QoS
  const count = flags.count === undefined ? Infinity : intFlag('-C', flags.count, 1, Number.MAX_SAFE_INTEGER)
  const timeoutMs = flags.timeout === undefined ? 0 : intFlag('-W', flags.timeout, 1, 86_400) * 1000
  // commander turns --no-stale / --no-newline into stale/newline = false
  const skipRetained = (flags as { stale?: boolean }).stale === false
  const newline = (flags as { newline?: boolean }).newline === false ? '' : '\n'

  const client = await connect(options)
  if (flags.debug) io.stderr.write(`connected to ${client.where}\n`)
  let received = 0
  return await new Promise<number>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    let finished = false
    const finish = (code: number, err?: Error): void => {
      if (finished) return
      finished = true
      if (timer) clearTimeout(timer)
      process.off('SIGINT', onSigint)
      void endQuietly(client).then(() => (err ? reject(err) : resolve(code)))
    }
    // mosquitto_sub's -W bounds the whole run, not the gap between messages;
    // running out of time is exit code 27 even after some messages.
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        io.stderr.write(`Timed out after ${timeoutMs / 1000} s (${received} message${received === 1 ? '' : 's'} received)\n`)
        finish(ExitCodes.TIMEOUT)
      }, timeoutMs)
    }
    const onSigint = (): void => finish(ExitCodes.OK)
    process.once('SIGINT', onSigint)
    client.once('close', ({ error }) => { if (error) finish(ExitCodes.ERROR, new CliError(error.message)) })

    const print = (m: Message): void => {
      if (skipRetained && m.retain) return
      if (flags.json) io.stdout.write(messageToJson(m) + '\n')
      else if (flags.verbose) io.stdout.write(`${m.topic} ${m.payload.toString()}${newline}`)
      else io.stdout.write(Buffer.concat([m.payload, Buffer.from(newline)]))
      received++
      if (received >= count) finish(ExitCodes.OK)
    }
    const subscription = client.subscribe(filters, { qos, bufferSize: 100_000 })
    subscription.onMessage(print)
    subscription.ready.then(() => {
      if (flags.debug) io.stderr.write(`subscribed to ${filters.join(', ')} (q${qos})\n`)
    }, (err: Error) => finish(ExitCodes.ERROR, err))
  })
}
