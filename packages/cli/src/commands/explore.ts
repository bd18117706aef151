import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { Command } from 'commander'
import { createExplorerHandler } from '@siar/broker'
import { parseBrokerUrl, type ParsedBrokerUrl } from '@siar/client'
import type { ExplorerConfig } from '@siar/explorer'
import { attachRelay, type Relay, type RelayTlsOptions } from '../explore-relay.js'
import { intFlag } from '../connection-flags.js'
import { CliError, ExitCodes, type Io } from '../output.js'

/** Where the page's relay WebSocket lives on the local server. */
export const RELAY_PATH = '/relay'
export const DEFAULT_EXPLORE_URL = 'mqtt://localhost:1883'

export interface ExploreOptions {
  url: string
  /** Local port for the page (0 = a free one). */
  port: number
  username?: string
  password?: string
  tls?: RelayTlsOptions
  /** Built page directory (tests); default: @siar/explorer's. */
  webDir?: string
}

export interface RunningExplore {
  /** http://127.0.0.1:port/ */
  url: string
  port: number
  /** True when the page talks to the broker through our relay. */
  relayed: boolean
  relay: Relay | null
  /** The broker URL without credentials. */
  label: string
  close: () => Promise<void>
}

/**
 * Serve the explorer on 127.0.0.1 for any broker. ws/wss brokers are reached
 * by the browser directly; plain TCP, TLS, and anything needing a client
 * certificate go through a local WebSocket relay.
 */
export async function startExplore (opts: ExploreOptions): Promise<RunningExplore> {
  const target = parseBrokerUrl(opts.url)
  const tls = opts.tls ?? {}
  const relayed = target.protocol === 'mqtt' || target.protocol === 'mqtts' || tls.cert !== undefined || tls.ca !== undefined || tls.rejectUnauthorized === false
  let port = 0
  const config = (): ExplorerConfig => ({
    servedBy: 'explore',
    label: describe(target),
    connect: relayed
      ? { protocol: 'ws', port, path: RELAY_PATH }
      : { protocol: target.protocol as 'ws' | 'wss', host: target.host, port: target.port, path: target.path && target.path !== '/' ? target.path : '/mqtt' },
    authRequired: false,
    ...(opts.username ?? target.username ? { username: opts.username ?? target.username } : {}),
    ...(opts.password ?? target.password ? { password: opts.password ?? target.password } : {})
  })
  const handler = createExplorerHandler({ config, ...(opts.webDir ? { webDir: opts.webDir } : {}) })
  const origins = (): string[] => [`http://127.0.0.1:${port}`, `http://localhost:${port}`]
  const server: Server = createServer((req, res) => {
    // DNS rebinding: a page on evil.example resolved to 127.0.0.1 would send its own Host.
    if (!origins().some((o) => o.slice(7) === req.headers.host)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('wrong host\n')
      return
    }
    handler(req, res).catch(() => { if (!res.headersSent) res.writeHead(500).end(); else res.destroy() })
  })
  const relay = relayed ? attachRelay({ server, path: RELAY_PATH, target, tls, allowedOrigins: origins }) : null
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE'
      ? new CliError(`port ${opts.port} on 127.0.0.1 is in use: choose another with --port`)
      : err))
    server.listen(opts.port, '127.0.0.1', () => resolve())
  })
  port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    relayed,
    relay,
    label: describe(target),
    close: async () => {
      relay?.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/** The URL without credentials, for the header and the terminal. */
function describe (t: ParsedBrokerUrl): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host
  return `${t.protocol}://${host}:${t.port}${t.protocol.startsWith('ws') ? t.path : ''}`
}

interface ExploreFlags {
  port?: string
  username?: string
  pw?: string
  cafile?: string
  cert?: string
  key?: string
  insecure?: boolean
}

export function exploreCommand (io: Io, done: (code: number) => void): Command {
  return new Command('explore')
    .description('open the web explorer for any broker (serves the page on 127.0.0.1, relays plain TCP and TLS)')
    .helpOption('--help', 'show help')
    .argument('[url]', 'mqtt://, mqtts://, ws:// or wss:// broker URL', DEFAULT_EXPLORE_URL)
    .option('--port <port>', 'local port for the page (default: a free one)', '0')
    .option('-u, --username <user>', 'user name (filled in on the page)')
    .option('-P, --pw <password>', 'password (filled in on the page)')
    .option('--cafile <file>', 'CA certificate to trust (mqtts, wss)')
    .option('--cert <file>', 'client certificate (mqtts, wss): the relay presents it')
    .option('--key <file>', 'client private key')
    .option('--insecure', 'do not check the broker certificate')
    .addHelpText('after', '\nExamples:\n  siar explore mqtt://192.168.1.10:1883\n  siar explore mqtts://broker:8883 --cafile ca.pem --cert me.pem --key me.key')
    .action(async (url: string, flags: ExploreFlags) => {
      const tls: RelayTlsOptions = {}
      if (flags.cafile) tls.ca = readFile('--cafile', flags.cafile)
      if (flags.cert) tls.cert = readFile('--cert', flags.cert)
      if (flags.key) tls.key = readFile('--key', flags.key)
      if (flags.insecure) tls.rejectUnauthorized = false
      const running = await startExplore({
        url,
        port: intFlag('--port', flags.port ?? '0', 0, 65535),
        ...(flags.username ? { username: flags.username } : {}),
        ...(flags.pw ? { password: flags.pw } : {}),
        tls
      })
      io.stdout.write(`siar explore: open ${running.url}\n  broker ${running.label}${running.relayed ? ' (relayed through this process)' : ' (the browser connects directly)'}; stop with Ctrl+C\n`)
      process.once('SIGINT', () => { void running.close().then(() => done(ExitCodes.OK)) })
      process.once('SIGTERM', () => { void running.close().then(() => done(ExitCodes.OK)) })
    })
}

function readFile (flag: string, file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    throw new CliError(`${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}
