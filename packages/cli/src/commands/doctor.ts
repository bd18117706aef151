import { Command } from 'commander'
import { parseBrokerUrl } from '@siar/client'
import { collect, intFlag } from '../connection-flags.js'
import { CliError, ExitCodes, type Io } from '../output.js'
import { formatCheck } from '../doctor/check-result.js'
import {
  DEFAULT_DOCTOR_TIMEOUT_MS, DEFAULT_DOCTOR_URL, DEFAULT_HTTP_PORT, DEFAULT_WS_PORT, runDoctor
} from '../doctor/run-doctor.js'
import { userConfigDir } from '../lan/config-dir.js'
import { LAN_CREDENTIALS_FILE } from '../lan/lan-credentials.js'
import { join } from 'node:path'

interface DoctorFlags {
  username?: string
  pw?: string
  lanAddress?: string[]
  wsPort?: string
  wsPath: string
  httpPort?: string
  timeout: string
  insecure?: boolean
}

/** `siar doctor [url]`: what usually stops a first device connection, one line per check. */
export function doctorCommand (io: Io, done: (code: number) => void): Command {
  return new Command('doctor')
    .description('check a broker the way a device sees it, and say what to fix (exit 0 when all checks pass)')
    .helpOption('--help', 'show help')
    .argument('[url]', 'broker URL (mqtt://, mqtts://, ws://, wss://)', DEFAULT_DOCTOR_URL)
    .option('-u, --username <user>', 'user name for the publish/subscribe check')
    .option('-P, --pw <password>', 'password for the publish/subscribe check')
    .option('--lan-address <address>', 'check this LAN address instead of this computer\'s own (repeatable)', collect)
    .option('--ws-port <port>', `WebSocket port to check (default ${DEFAULT_WS_PORT}; 0 = skip)`)
    .option('--ws-path <path>', 'WebSocket path', '/mqtt')
    .option('--http-port <port>', `HTTP port to check (default ${DEFAULT_HTTP_PORT}; 0 = skip)`)
    .option('--timeout <ms>', 'time allowed for each check', String(DEFAULT_DOCTOR_TIMEOUT_MS))
    .option('--insecure', 'mqtts/wss: do not check the server certificate')
    .addHelpText('after', [
      '',
      'Examples:',
      '  siar doctor                                   # the broker on this computer, port 1883',
      '  siar doctor -u device -P <password>           # with the login siar start --lan printed',
      '  siar doctor mqtt://192.168.1.20:1883          # any broker, also Mosquitto'
    ].join('\n'))
    .action(async (url: string, flags: DoctorFlags) => {
      let target
      try {
        target = parseBrokerUrl(url)
      } catch (err) {
        throw new CliError((err as Error).message, ExitCodes.USAGE)
      }
      const wsPort = flags.wsPort !== undefined ? intFlag('--ws-port', flags.wsPort, 0, 65535) : DEFAULT_WS_PORT
      const httpPort = flags.httpPort !== undefined ? intFlag('--http-port', flags.httpPort, 0, 65535) : DEFAULT_HTTP_PORT
      const timeoutMs = intFlag('--timeout', flags.timeout, 100, 600_000)
      const username = flags.username ?? target.username
      const password = flags.pw ?? target.password
      io.stdout.write(`siar doctor: checking ${url}\n`)
      const results = await runDoctor({
        protocol: target.protocol,
        host: target.host,
        port: target.port,
        ...(target.protocol.startsWith('ws') ? { path: target.path || '/mqtt' } : {}),
        ...(username !== undefined ? { username } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(flags.lanAddress ? { lanAddresses: flags.lanAddress } : {}),
        ws: { port: wsPort, path: flags.wsPath, explicit: flags.wsPort !== undefined },
        http: { port: httpPort, explicit: flags.httpPort !== undefined },
        timeoutMs,
        ...(flags.insecure ? { insecure: true } : {}),
        credentialsFile: join(userConfigDir({ env: io.env }), LAN_CREDENTIALS_FILE)
      }, (check) => io.stdout.write(formatCheck(check) + '\n'))
      const failed = results.filter((r) => r.status === 'fail').length
      const checked = results.filter((r) => r.status !== 'info').length
      io.stdout.write(failed === 0 ? `all ${checked} checks passed\n` : `${failed} of ${checked} checks failed\n`)
      done(failed === 0 ? ExitCodes.OK : ExitCodes.ERROR)
    })
}
