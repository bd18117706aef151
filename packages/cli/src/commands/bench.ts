import { Command } from 'commander'
import type { QoS } from '@siar/client'
import { addConnectionFlags, collect, intFlag, toConnectOptions, type ConnectionFlags } from '../connection-flags.js'
import { CliError, ExitCodes, type Io } from '../output.js'
import { SCENARIOS, SCENARIO_NAMES, isScenarioName } from '../bench/scenario-table.js'
import { MAX_DURATION_MS, MAX_COUNT_PER_PUBLISHER, MAX_CLIENTS, createPlan, type PlanInput } from '../bench/plan.js'
import { runBench } from '../bench/run.js'
import { createProgressLine, formatSummary } from '../bench/report.js'

interface BenchFlags extends ConnectionFlags {
  publishers?: string
  subscribers?: string
  connections?: string
  rate?: string
  qos?: string
  size?: string
  duration?: string
  count?: string
  inflight?: string
  workers?: string
  hold?: string
  drain?: string
  topic?: string
  node?: string[]
  json?: boolean
}

/** Redraw the progress line at most this often, ms. */
const PROGRESS_REDRAW_MS = 500

export function benchCommand (io: Io, done: (code: number) => void): Command {
  const cmd = new Command('bench')
    .description('load-test any MQTT broker: connections, throughput, fan-in/out, latency, request/response')
    .helpOption('--help', 'show help')
    .argument('<scenario>', `one of: ${SCENARIO_NAMES.join(', ')}`)
  addConnectionFlags(cmd)
    .option('--publishers <n>', 'publishing clients (requesters for reqres)')
    .option('--subscribers <n>', 'subscribing clients (responders for reqres)')
    .option('-n, --connections <n>', 'conn: connections to open')
    .option('-r, --rate <n>', 'messages per second across all publishers (conn: connects per second); 0 = as fast as possible')
    .option('-q, --qos <0|1|2>', 'QoS for publishes and subscriptions')
    .option('-s, --size <bytes>', 'payload size in bytes (at least 28: the bench header)')
    .option('--duration <seconds>', `how long to publish (default 10, at most ${MAX_DURATION_MS / 1000})`)
    .option('--count <n>', 'messages per publisher, then stop (sub: messages per subscriber)')
    .option('--inflight <n>', 'unacknowledged QoS 1/2 messages per publisher (reqres: requests per requester)')
    .option('--workers <n>', 'worker threads (default: one per core)')
    .option('--hold <seconds>', 'conn: keep the connections open this long once all are up', '0')
    .option('--drain <ms>', 'after publishing stops, wait until nothing arrives for this long', '2000')
    .option('-t, --topic <prefix>', 'topic prefix (default siar-bench); sub: the filter to subscribe to')
    .option('--node <url>', 'another node of the same cluster (repeatable): clients are spread over all nodes, publishers and subscribers apart', collect)
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText('after', `
Scenarios:
${SCENARIO_NAMES.map((s) => `  ${s.padEnd(8)} ${SCENARIOS[s].summary}`).join('\n')}

-i and -I set the client id prefix; every bench client adds its own suffix.
Every payload carries a run id, publisher id, sequence number and the scheduled
send time, so loss and duplicates are counted exactly and latency includes
stalls. Exits 1 if connections fail, or QoS 1/2 messages are lost or QoS 2 ones
duplicated.

Examples:
  siar bench fanin -h 127.0.0.1 -p 1883 --publishers 16 --duration 10
  siar bench fanout --subscribers 100 -q 1
  siar bench latency -r 5000 --json
  siar bench conn -n 10000 -r 1000 --hold 30
  siar bench reqres -V 5 --publishers 10
  siar bench fanout -L mqtt://node-a:1883 --node mqtt://node-b:1883   # across a cluster`)
    .action(async (scenario: string, flags: BenchFlags) => { done(await runBenchCommand(scenario, flags, io)) })
  return cmd
}

async function runBenchCommand (scenario: string, flags: BenchFlags, io: Io): Promise<number> {
  if (!isScenarioName(scenario)) throw new CliError(`unknown scenario ${JSON.stringify(scenario)}: use one of ${SCENARIO_NAMES.join(', ')}`, ExitCodes.USAGE)
  // Many clients cannot share one id: -i becomes a prefix like -I, and each
  // client gets its own id from it (so -c keeps one session per bench client).
  const { options } = toConnectOptions({ ...flags, id: flags.id ?? flags.idPrefix ?? 'sb' })
  // Each --node shares the credentials, TLS files and MQTT version given for the first.
  const nodes = (flags.node ?? []).map((url) => toConnectOptions({ ...flags, url, id: flags.id ?? flags.idPrefix ?? 'sb' }).options)
  const num = (flag: string, value: string | undefined, min: number, max: number): number | undefined => (value === undefined ? undefined : intFlag(flag, value, min, max))
  const input: PlanInput = { scenario, connect: options, nodes }
  const set = <K extends keyof PlanInput>(key: K, value: PlanInput[K] | undefined): void => { if (value !== undefined) input[key] = value }
  set('publishers', num('--publishers', flags.publishers, 0, MAX_CLIENTS))
  set('subscribers', num('--subscribers', flags.subscribers, 0, MAX_CLIENTS))
  set('connections', num('-n', flags.connections, 1, MAX_CLIENTS))
  set('rate', num('-r', flags.rate, 0, 10_000_000))
  set('qos', num('-q', flags.qos, 0, 2) as QoS | undefined)
  set('payloadBytes', num('-s', flags.size, 0, 256 * 1024 * 1024))
  const duration = num('--duration', flags.duration, 1, MAX_DURATION_MS / 1000)
  set('durationMs', duration === undefined ? undefined : duration * 1000)
  set('count', num('--count', flags.count, 1, MAX_COUNT_PER_PUBLISHER))
  set('inflight', num('--inflight', flags.inflight, 1, 65_535))
  set('workers', num('--workers', flags.workers, 1, 256))
  set('holdMs', (num('--hold', flags.hold, 0, MAX_DURATION_MS / 1000) ?? 0) * 1000)
  set('drainQuietMs', num('--drain', flags.drain, 0, 60_000))
  set('topic', flags.topic)
  set('clientIdPrefix', flags.id ?? flags.idPrefix)
  if (scenario === 'reqres' && options.protocolVersion !== 5 && !flags.json) {
    io.stderr.write('note: MQTT 3.1.1 has no response topic or correlation data; replies go to a topic derived from the payload\n')
  }

  let plan
  try {
    plan = createPlan(input)
  } catch (err) {
    if (err instanceof RangeError) throw new CliError(err.message, ExitCodes.USAGE)
    throw err
  }

  const tty = Boolean(io.stderr.isTTY)
  const line = createProgressLine(scenario)
  let lastDraw = 0
  // Ctrl+C stops publishing and still prints the summary; a second one ends the process.
  const stop = new AbortController()
  const onSigint = (): void => stop.abort()
  process.once('SIGINT', onSigint)
  let result
  try {
    result = await runBench(plan, {
      signal: stop.signal,
      onProgress: (p) => {
        if (!tty || Date.now() - lastDraw < PROGRESS_REDRAW_MS) return
        lastDraw = Date.now()
        io.stderr.write(`\r\x1b[K${line(p)}`)
      }
    })
  } finally {
    process.off('SIGINT', onSigint)
  }
  if (tty) io.stderr.write('\r\x1b[K')
  io.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatSummary(result))
  return result.ok ? ExitCodes.OK : ExitCodes.ERROR
}
