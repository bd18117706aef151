import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import type { Socket } from 'node:net'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { Aedes, type AedesOptions, type Client } from 'aedes'
import { silentLogger, type Logger } from './logger.js'
import type { ResolvedBrokerOptions } from './options.js'
import { createMemoryBackplane, type Backplane } from './backplane/memory.js'
import { capOfflineQueues } from './session/offline-queue-cap.js'
import { cleanIncomingOnCleanStart } from './aedes-fixes/clean-incoming.js'
import { installAedesFixes } from './aedes-fixes/index.js'
import { assertSafeBind, isLoopbackAddress } from './auth/anonymous-policy.js'
import { closeServer, type ListenerInfo } from './listeners/bind.js'
import { startTcpListener } from './listeners/tcp.js'
import { startWsListener } from './listeners/ws.js'
import { startHttpListener, sendJson, type HttpRoutes } from './listeners/http.js'
import { remoteAddressOf } from './client-info.js'
import { VERSION } from './version.js'

export interface BrokerDeps {
  logger?: Logger
}

export interface ReadinessCheck { ok: boolean, detail?: string }
export interface Readiness { ready: boolean, checks: Record<string, ReadinessCheck> }

export interface BrokerEvents {
  messageDropped: [info: { reason: 'queue_full', clientId: string }]
}

export interface Broker {
  readonly version: string
  readonly nodeId: string
  readonly options: ResolvedBrokerOptions
  readonly aedes: Aedes
  readonly backplane: Backplane
  /** Bound listeners, after listen(). */
  readonly listeners: readonly ListenerInfo[]
  readonly http: HttpRoutes
  readonly events: EventEmitter<BrokerEvents>
  listen: () => Promise<readonly ListenerInfo[]>
  readiness: () => Readiness
  /** Stop accepting, disconnect clients (v5: 0x8B), close listeners. */
  close: () => Promise<void>
}

/**
 * Build a broker from validated options. Nothing listens until `listen()`.
 * Core has no process side effects: no signals, no exit, no console.
 */
export async function createBroker (options: ResolvedBrokerOptions, deps: BrokerDeps = {}): Promise<Broker> {
  const log = deps.logger ?? silentLogger
  const nodeId = options.nodeId ?? hostname()
  const limits = options.limits
  const events = new EventEmitter<BrokerEvents>()
  const backplane = createMemoryBackplane()
  const clients = new Map<string, Client>()

  const queueCap = capOfflineQueues(backplane.persistence, {
    maxQueuedMessages: limits.maxQueuedMessages,
    isOnline: (id) => clients.has(id),
    onDrop: (clientId) => {
      events.emit('messageDropped', { reason: 'queue_full', clientId })
      warnQueueFullOnce(clientId)
    }
  })
  const queueFullWarned = new Set<string>()
  function warnQueueFullOnce (clientId: string): void {
    if (queueFullWarned.has(clientId)) return
    queueFullWarned.add(clientId)
    log.warn({ clientId, maxQueuedMessages: limits.maxQueuedMessages },
      'offline queue full: dropping newer messages for this session until its client reconnects')
  }

  const aedesOptions: AedesOptions = {
    id: nodeId,
    persistence: backplane.persistence,
    mq: backplane.mq,
    connectTimeout: limits.connectTimeoutMs,
    drainTimeout: limits.drainTimeoutMs,
    keepaliveLimit: limits.keepaliveMaxSeconds,
    maxClientsIdLength: limits.maxClientIdLength,
    maxTopicLevels: limits.maxTopicLevels,
    maximumPacketSize: limits.maxPacketSize,
    receiveMaximum: limits.receiveMaximum,
    topicAliasMaximum: limits.topicAliasMaximum,
    sessionExpiryIntervalLimit: limits.maxSessionExpirySeconds,
    preConnect: (client, packet, done) => {
      const cleanStart = packet.clean !== false
      cleanIncomingOnCleanStart(backplane.persistence, packet.clientId, cleanStart)
        .then(() => done(null, true), (err: Error) => {
          log.error({ err, clientId: packet.clientId }, 'could not clear the old session state; refusing the connection')
          done(err, false)
        })
    },
    authenticate: (client, _username, _password, done) => {
      // Anonymous is the only mode until a password file is configured; it is
      // refused from non-loopback peers unless --allow-anonymous was given.
      if (options.allowAnonymous || isLoopbackAddress(remoteAddressOf(client))) return done(null, true)
      const err = Object.assign(new Error('anonymous clients are accepted on loopback only'), { returnCode: 5 })
      done(err as any, false)
    }
  }

  const aedes = new Aedes(aedesOptions)
  await aedes.listen()
  installAedesFixes(aedes, { logger: log.child({ component: 'aedes-fixes' }) })

  aedes.on('client', (client) => {
    clients.set(client.id, client)
    queueCap.reset(client.id)
    queueFullWarned.delete(client.id)
  })
  aedes.on('clientDisconnect', (client) => {
    if (clients.get(client.id) === client) clients.delete(client.id)
  })
  aedes.on('clientError', (client, err) => {
    log.debug({ clientId: client.id, err: err.message }, 'client error')
  })
  aedes.on('connectionError', (client, err) => {
    log.debug({ remote: remoteAddressOf(client), err: err.message }, 'connection rejected')
  })
  ;(aedes as EventEmitter).on('error', (err: Error) => {
    log.error({ err }, 'broker error')
  })

  const http: HttpRoutes = { exact: new Map() }
  const servers: Array<{ close: () => Promise<void> }> = []
  const listeners: ListenerInfo[] = []
  let listening = false
  let closing = false

  const readiness = (): Readiness => {
    const checks: Record<string, ReadinessCheck> = {
      listeners: listening ? { ok: true } : { ok: false, detail: 'listeners are not bound yet' },
      draining: closing ? { ok: false, detail: 'shutting down' } : { ok: true }
    }
    return { ready: Object.values(checks).every((c) => c.ok), checks }
  }

  http.exact.set('/healthz', (_req, res) => sendJson(res, 200, { status: 'ok', version: VERSION, nodeId }))
  http.exact.set('/readyz', (_req, res) => {
    const r = readiness()
    sendJson(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r })
  })

  const handleTcp = (socket: Socket): void => { aedes.handle(socket) }
  const handleWs = (stream: Duplex, req: IncomingMessage): void => { aedes.handle(stream, req) }

  async function listen (): Promise<readonly ListenerInfo[]> {
    assertSafeBind(options.host, { allowAnonymous: options.allowAnonymous, authConfigured: false })
    try {
      if (options.port > 0) {
        const tcp = await startTcpListener(options.host, options.port, handleTcp)
        servers.push({ close: () => closeServer(tcp.server) })
        listeners.push(tcp.info)
      }
      if (options.wsPort > 0) {
        const ws = await startWsListener(options.host, options.wsPort, options.wsPath, handleWs)
        servers.push({
          close: async () => {
            for (const socket of ws.wss.clients) socket.terminate()
            ws.wss.close()
            ws.server.closeAllConnections()
            await closeServer(ws.server)
          }
        })
        listeners.push(ws.info)
      }
      if (options.httpPort > 0) {
        const h = await startHttpListener(options.host, options.httpPort, http)
        servers.push({
          close: async () => {
            h.server.closeAllConnections()
            await closeServer(h.server)
          }
        })
        listeners.push(h.info)
      }
    } catch (err) {
      await closeAll()
      throw err
    }
    listening = true
    log.debug({ listeners }, 'listening')
    return listeners
  }

  async function closeAll (): Promise<void> {
    await Promise.all(servers.splice(0).map((s) => s.close()))
  }

  async function close (): Promise<void> {
    if (closing) return
    closing = true
    // Stop accepting first so nobody reconnects into a closing node.
    const stopAccepting = closeAll()
    await new Promise<void>((resolve) => aedes.close(() => resolve()))
    await stopAccepting
    await backplane.close()
    listening = false
  }

  return {
    version: VERSION,
    nodeId,
    options,
    aedes,
    backplane,
    listeners,
    http,
    events,
    listen,
    readiness,
    close
  }
}

/** createBroker + listen, for tests and embedding. */
export async function startBroker (options: ResolvedBrokerOptions, deps: BrokerDeps = {}): Promise<Broker> {
  const broker = await createBroker(options, deps)
  try {
    await broker.listen()
  } catch (err) {
    await broker.close()
    throw err
  }
  return broker
}
