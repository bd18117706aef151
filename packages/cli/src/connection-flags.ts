import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { parseBrokerUrl, type ConnectOptions } from '@siar/client'
import { parseProtocolVersion } from './mosquitto-args.js'
import { CliError, ExitCodes } from './output.js'

export interface ConnectionFlags {
  host?: string
  port?: string
  url?: string
  id?: string
  idPrefix?: string
  username?: string
  pw?: string
  keepalive?: string
  protocolVersion?: string
  disableCleanSession?: boolean
  sessionExpiry?: string
  cafile?: string
  cert?: string
  key?: string
  insecure?: boolean
  willTopic?: string
  willPayload?: string
  willQos?: string
  willRetain?: boolean
  debug?: boolean
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]
export { collect }

/** The connection flags pub and sub share, spelled as mosquitto_pub/sub spell them. */
export function addConnectionFlags (cmd: Command): Command {
  return cmd
    .option('-h, --host <host>', 'broker host', 'localhost')
    .option('-p, --port <port>', 'broker port (default 1883, 8883 for mqtts)')
    .option('-L, --url <url>', 'mqtt(s)://[user[:password]@]host[:port]/topic, or ws(s)://')
    .option('-i, --id <id>', 'client id (default: random)')
    .option('-I, --id-prefix <prefix>', 'client id prefix, a random suffix is added')
    .option('-u, --username <user>', 'user name')
    .option('-P, --pw <password>', 'password')
    .option('-k, --keepalive <seconds>', 'keepalive in seconds', '60')
    .option('-V, --protocol-version <v>', 'MQTT version: 5, 311 or 31', '5')
    .option('-c, --disable-clean-session', 'keep the session after disconnecting (v3 clean=false, v5 session expiry)')
    .option('-x, --session-expiry <seconds>', 'v5 session expiry interval')
    .option('--cafile <file>', 'CA certificate to trust (mqtts/wss)')
    .option('--cert <file>', 'client certificate (mqtts/wss)')
    .option('--key <file>', 'client private key (mqtts/wss)')
    .option('--insecure', 'do not check the server certificate')
    .option('--will-topic <topic>', 'will topic')
    .option('--will-payload <payload>', 'will payload')
    .option('--will-qos <qos>', 'will QoS', '0')
    .option('--will-retain', 'retain the will')
    .option('-d, --debug', 'print connection and packet details to stderr')
}

export function toConnectOptions (flags: ConnectionFlags): { options: ConnectOptions, urlTopic?: string } {
  let protocolVersion: 3 | 4 | 5
  try {
    protocolVersion = parseProtocolVersion(flags.protocolVersion ?? '5')
  } catch (err) {
    throw new CliError((err as Error).message, ExitCodes.USAGE)
  }
  // One connection, no reconnect: a lost connection is an error the user sees, as with mosquitto_pub/sub.
  const options: ConnectOptions = { protocolVersion, connectTimeoutMs: 10_000, reconnect: false }
  let urlTopic: string | undefined
  if (flags.url) {
    const u = parseBrokerUrl(flags.url)
    options.protocol = u.protocol
    options.host = u.host
    options.port = u.port
    if (u.protocol.startsWith('ws')) options.path = u.path || '/mqtt'
    else if (u.path.length > 1) urlTopic = u.path.slice(1)
    if (u.username) options.username = u.username
    if (u.password) options.password = u.password
  } else {
    options.host = flags.host ?? 'localhost'
    if (flags.cafile || flags.cert) options.protocol = 'mqtts'
    options.port = flags.port ? intFlag('-p', flags.port, 1, 65535) : options.protocol === 'mqtts' ? 8883 : 1883
  }
  if (flags.id) options.clientId = flags.id
  else if (flags.idPrefix) options.clientId = `${flags.idPrefix}${process.pid}`
  if (flags.username) options.username = flags.username
  if (flags.pw) options.password = flags.pw
  options.keepaliveSeconds = intFlag('-k', flags.keepalive ?? '60', 0, 65535)
  if (flags.disableCleanSession) {
    options.clean = false
    if (!flags.id) throw new CliError('-c (keep the session) needs a client id: give one with -i', ExitCodes.USAGE)
  }
  if (flags.sessionExpiry !== undefined) options.sessionExpirySeconds = intFlag('-x', flags.sessionExpiry, 0, 4294967295)
  else if (flags.disableCleanSession && protocolVersion === 5) options.sessionExpirySeconds = 0xffffffff
  if (flags.cafile) options.ca = readFlagFile('--cafile', flags.cafile)
  if (flags.cert) options.cert = readFlagFile('--cert', flags.cert)
  if (flags.key) options.key = readFlagFile('--key', flags.key)
  if (flags.insecure) options.rejectUnauthorized = false
  if (flags.willTopic) {
    options.will = {
      topic: flags.willTopic,
      payload: Buffer.from(flags.willPayload ?? ''),
      qos: intFlag('--will-qos', flags.willQos ?? '0', 0, 2) as 0 | 1 | 2,
      retain: Boolean(flags.willRetain)
    }
  }
  return urlTopic === undefined ? { options } : { options, urlTopic }
}

export function intFlag (flag: string, value: string, min: number, max: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new CliError(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`, ExitCodes.USAGE)
  }
  return n
}

function readFlagFile (flag: string, file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    throw new CliError(`${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}
