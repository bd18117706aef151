import { createBroker, resolveConfig, SiarError, type Broker, type ResolvedBrokerOptions } from '@siar/core'
import { formatBanner } from './banner.js'
import { installExplorer } from './explorer.js'
import { createLogger } from './logger.js'

/** Hard bound on shutdown: a stuck socket must not keep a pod in Terminating. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000
/** After shutdown, how long the process may take to flush sockets before it is ended (ms). */
const EXIT_GRACE_MS = 500

export interface RunServerInput {
  flags?: Record<string, unknown>
  env?: Record<string, string | undefined>
  configFile?: string
  stdout?: NodeJS.WritableStream & { isTTY?: boolean }
  stderr?: NodeJS.WritableStream & { isTTY?: boolean }
  /** Install SIGINT/SIGTERM handlers that stop the broker and exit, and SIGHUP to reload (default true). */
  handleSignals?: boolean
}

export interface RunningServer {
  broker: Broker
  options: ResolvedBrokerOptions
  /** Resolves with the exit code once the server has stopped. */
  stopped: Promise<number>
  stop: (signal?: string) => Promise<number>
}

/**
 * The deployable server: config from flags/env/file, a pino logger, a banner,
 * signal handling and a bounded graceful shutdown. Errors a user can fix are
 * printed as one line (`siar: ...`), never as a stack trace; returns null then.
 */
export async function runServer (input: RunServerInput = {}): Promise<RunningServer | null> {
  const stdout = input.stdout ?? process.stdout
  const stderr = input.stderr ?? process.stderr
  const env = input.env ?? process.env
  let options: ResolvedBrokerOptions
  try {
    options = await resolveConfig({ flags: input.flags, env, configFile: input.configFile })
  } catch (err) {
    return fail(err, stderr)
  }
  const logger = createLogger({ level: options.logLevel, pretty: Boolean(stderr.isTTY) && env.SIAR_LOG_FORMAT !== 'json', destination: stderr })
  let broker: Broker
  try {
    broker = await createBroker(options, { logger })
    // The web explorer at / on the HTTP port (core knows nothing of it).
    installExplorer(broker)
    try {
      await broker.listen()
    } catch (err) {
      await broker.close()
      throw err
    }
  } catch (err) {
    return fail(err, stderr)
  }
  stdout.write(formatBanner(broker))
  logger.info({ nodeId: broker.nodeId, listeners: broker.listeners.map((l) => l.url) }, 'broker started')

  let resolveStopped!: (code: number) => void
  const stopped = new Promise<number>((resolve) => { resolveStopped = resolve })
  let stopping: Promise<number> | null = null

  const stop = (signal?: string): Promise<number> => {
    if (stopping) return stopping
    // A cluster node drains: not ready at once, clients spread over the window, sessions stay in Redis.
    const drainWindowMs = broker.backplane.kind === 'redis' ? options.cluster.drainWindowMs : 0
    const limitMs = DEFAULT_SHUTDOWN_TIMEOUT_MS + drainWindowMs
    logger.info({ signal, drainWindowMs }, 'shutting down: disconnecting clients')
    const timeout = new Promise<number>((resolve) => {
      setTimeout(() => {
        logger.warn({ timeoutMs: limitMs }, 'shutdown took too long; exiting anyway')
        resolve(0)
      }, limitMs).unref()
    })
    stopping = Promise.race([broker.close({ drainWindowMs }).then(() => 0, (err: unknown) => {
      logger.error({ err }, 'error while shutting down')
      return 1
    }), timeout]).then((code) => {
      logger.info('stopped')
      resolveStopped(code)
      return code
    })
    return stopping
  }

  if (input.handleSignals !== false) {
    const onSignal = (signal: NodeJS.Signals): void => {
      void stop(signal).then((code) => {
        // Let the loop drain first: an immediate exit can drop the DISCONNECT 0x8B
        // packets still on their way out of the sockets. The timer is the backstop.
        process.exitCode = code
        setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref()
      })
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    // SIGHUP re-reads password file, ACL file and TLS certificates (like Mosquitto);
    // connected clients stay, and a file that fails to load keeps the old one.
    const onHangup = (): void => {
      logger.info('SIGHUP: reloading password file, ACL file and TLS certificates')
      void broker.reload()
    }
    process.on('SIGHUP', onHangup)
    void stopped.then(() => process.off('SIGHUP', onHangup))
  }
  return { broker, options, stopped, stop }
}

function fail (err: unknown, stderr: NodeJS.WritableStream): null {
  if (err instanceof SiarError) {
    stderr.write(`siar: ${err.message}\n`)
  } else {
    stderr.write(`siar: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`)
  }
  return null
}
