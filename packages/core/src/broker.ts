import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import type { Socket } from 'node:net'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { Aedes, type AedesOptions, type Client } from 'aedes'
import { silentLogger, type Logger } from './logger.js'
import type { ResolvedBrokerOptions } from './options.js'
import { createMemoryBackplane, type Backplane } from './backplane/memory.js'
import { createRedisBackplane } from './backplane/redis.js'
import { describeRedisTarget } from './backplane/redis-connection.js'
import { ackQos1AfterRouting, refuseWhileUnstorable } from './aedes-fixes/ack-after-route.js'
import { createRemoteTakeover } from './cluster/takeover.js'
import { startClusterNode, type ClusterNode } from './cluster/cluster-node.js'
import { drainClients } from './cluster/drain.js'
import { createSharedSubscriptions, type SharedSubscriptions } from './cluster/shared/index.js'
import { INTERNAL_PREFIX } from './cluster/shared/share-filter.js'
import { capOfflineQueues } from './session/offline-queue-cap.js'
import { cleanIncomingOnCleanStart } from './aedes-fixes/clean-incoming.js'
import { installAedesFixes } from './aedes-fixes/index.js'
import { assertSafeBind } from './auth/anonymous-policy.js'
import { createSecurity } from './auth/security.js'
import type { AuthFailureReason, ReloadResult } from './auth/access-control.js'
import type { AccessAction } from './auth/aedes-hooks.js'
import { createAedesLimitCounter, type LimitName } from './limits/limit-names.js'
import { startSecureListeners, tlsEnabled, type SecureListeners } from './listeners/secure-listeners.js'
import { closeServer, type ListenerInfo } from './listeners/bind.js'
import { startTcpListener } from './listeners/tcp.js'
import { startWsListener } from './listeners/ws.js'
import { startHttpListener, sendJson, type HttpRoutes } from './listeners/http.js'
import { remoteAddressOf } from './client-info.js'
import { VERSION, AEDES_VERSION } from './version.js'
import { createBrokerMetrics, type BrokerMetrics } from './metrics/broker-metrics.js'
import { startSysPublisher } from './sys/sys-publisher.js'
import { createBridges, type Bridges, type BridgeState } from './bridge/index.js'
import { registerBridgeMetrics } from './metrics/bridge.js'
import { createSysSnapshot } from './sys/sys-snapshot.js'

export interface BrokerDeps {
  logger?: Logger
}

export interface ReadinessCheck { ok: boolean, detail?: string }
export interface Readiness {
  ready: boolean
  checks: Record<string, ReadinessCheck>
  /** Reported, not checked: a remote that is down does not make this node unready. */
  bridges?: BridgeState[]
}

export interface BrokerEvents {
  /** queue_full: offline queue cap (or held-for-Receive-Maximum cap); too_large: over the client's Maximum Packet Size; expired: Message Expiry passed while held by Receive Maximum. */
  messageDropped: [info: { reason: 'queue_full' | 'too_large' | 'expired' | 'no_subscribers', clientId: string }]
  /** A CONNECT was refused for its credentials (CONNACK 4/5, v5 0x86/0x87). */
  authFailed: [info: { reason: AuthFailureReason }]
  /** The ACL refused a publish, a subscription or a delivery. */
  accessDenied: [info: { action: AccessAction }]
  limitHit: [info: { limit: LimitName }]
  /** After reload() or a change of the auth files on disk. */
  reloaded: [info: ReloadResult]
  /** A bridge changed role (owner/standby) or connected/disconnected (docs/bridge-aws-iot-core.md). */
  bridge: [state: BridgeState]
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
  /** Counters behind /metrics and $SYS, and the recorder API (docs/observability.md). */
  readonly metrics: BrokerMetrics
  listen: () => Promise<readonly ListenerInfo[]>
  readiness: () => Readiness
  /**
   * Stop accepting, disconnect clients (v5: 0x8B), close listeners. With
   * `drainWindowMs` (cluster mode), readiness turns false first and the
   * clients are disconnected spread over that window.
   */
  close: (opts?: { drainWindowMs?: number }) => Promise<void>
  /**
   * Re-read password file, ACL file and TLS certificates (what SIGHUP does).
   * Connected clients stay; a file that fails to load is reported and the
   * previous version kept.
   */
  reload: () => Promise<ReloadResult>
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
  const clustered = Boolean(options.cluster.redis) || options.cluster.sentinels.length > 0
  let aedesRef: Aedes | undefined
  const backplane: Backplane = clustered
    ? await createRedisBackplane({
      cluster: options.cluster,
      nodeId,
      logger: log.child({ component: 'redis' }),
      beforeRemoteDelivery: createRemoteTakeover(() => aedesRef)
    })
    : createMemoryBackplane()
  const clients = new Map<string, Client>()
  const security = createSecurity(options, log.child({ component: 'auth' }), {
    authFailed: (reason) => events.emit('authFailed', { reason }),
    accessDenied: (action) => events.emit('accessDenied', { action }),
    limitHit: (limit) => events.emit('limitHit', { limit }),
    filesChanged: (result) => events.emit('reloaded', result)
  })
  await security.load()

  const queueCap = capOfflineQueues(backplane.persistence, {
    maxQueuedMessages: limits.maxQueuedMessages,
    isOnline: (id) => clients.has(id),
    // In a cluster a client online on another node looks offline here: count its queue in Redis.
    queueLength: backplane.queueLength,
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

  let bridges: Bridges | undefined
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
      shared?.attach(client)
      const cleanStart = packet.clean !== false
      cleanIncomingOnCleanStart(backplane.persistence, packet.clientId, cleanStart)
        .then(() => done(null, true), (err: Error) => {
          log.error({ err, clientId: packet.clientId }, 'could not clear the old session state; refusing the connection')
          done(err, false)
        })
    },
    // Password file, client-certificate CN, anonymous policy, ACL and per-client limits.
    ...security.hooks,
    published: (packet, client, done) => {
      // Bridges buffer first (cluster: before the QoS 1 PUBACK, see ack-after-route).
      const finish = (bridgeError?: Error): void => {
        if (shared) shared.published(packet, client, (err) => done(bridgeError ?? err))
        else done(bridgeError ?? null)
      }
      if (bridges) bridges.published(packet, finish)
      else finish()
    }
  }
  {
    // The internal filters behind $share/ subscriptions are not a topic anyone may publish to.
    const authorizePublish = aedesOptions.authorizePublish as NonNullable<AedesOptions['authorizePublish']>
    aedesOptions.authorizePublish = (client, packet, done) => {
      if (client && packet.topic.startsWith(INTERNAL_PREFIX)) return done(new Error(`${INTERNAL_PREFIX} topics are reserved`))
      authorizePublish(client, packet, done)
    }
  }
  if (clustered) {
    const authorizePublish = aedesOptions.authorizePublish as NonNullable<AedesOptions['authorizePublish']>
    // Refuse while Redis is down (nothing could be stored), then ack QoS 1 only once routed.
    aedesOptions.authorizePublish = ackQos1AfterRouting(() => aedes, refuseWhileUnstorable(authorizePublish, backplane.status))
  }

  let shared: SharedSubscriptions | undefined
  {
    const authorizeSubscribe = aedesOptions.authorizeSubscribe as NonNullable<AedesOptions['authorizeSubscribe']>
    aedesOptions.authorizeSubscribe = (client, sub, done) => {
      if (shared) shared.authorizeSubscribe(authorizeSubscribe as any)(client, sub, done as any)
      else authorizeSubscribe(client, sub, done)
    }
  }
  const aedes = new Aedes(aedesOptions)
  aedesRef = aedes
  await aedes.listen()
  const cluster: ClusterNode | undefined = clustered
    ? await startClusterNode({ aedes, backplane, nodeId, nodeTimeoutMs: options.cluster.nodeTimeoutMs, log: log.child({ component: 'cluster' }) })
    : undefined
  if (clustered) log.info({ nodeId, redis: describeRedisTarget(options.cluster) }, 'cluster node: state in Redis')
  shared = createSharedSubscriptions({
    aedes,
    backplane,
    nodeId,
    log: log.child({ component: 'shared-subscriptions' }),
    onNoMember: () => events.emit('messageDropped', { reason: 'no_subscribers', clientId: '' })
  })
  installAedesFixes(aedes, {
    logger: log.child({ component: 'aedes-fixes' }),
    onMessageDropped: (info) => events.emit('messageDropped', info),
    maxQueuedMessages: limits.maxQueuedMessages
  })
  security.attach(aedes)
  if (options.bridges.length > 0) {
    bridges = createBridges(options.bridges, { aedes, nodeId, redis: backplane.redis?.db, log: log.child({ component: 'bridge' }) })
    bridges.events.on('state', (state) => events.emit('bridge', state))
  }

  const metrics = createBrokerMetrics({
    aedes,
    persistence: backplane.persistence,
    localRouting: backplane.kind === 'memory',
    ready: () => readiness().ready,
    offlineQueued: queueCap.totalQueued,
    version: VERSION,
    aedesVersion: AEDES_VERSION
  })
  // Registered even without bridges (no series then), so dashboards can always name them.
  registerBridgeMetrics(metrics.registry, {
    states: () => bridges?.states() ?? [],
    refresh: async () => { await Promise.all((bridges?.list ?? []).map((x) => x.refreshBuffered())) }
  })
  events.on('messageDropped', (info) => metrics.messageDropped(info.reason))
  events.on('authFailed', (info) => metrics.authFailure(info.reason))
  events.on('accessDenied', (info) => metrics.authzFailure(info.action))
  events.on('limitHit', (info) => metrics.limitHit(info.limit))
  if (backplane.redis) {
    // Cluster mode: health, reconnects and command latency per connection (siar_redis_*).
    metrics.instrumentRedisClient(backplane.redis.db, 'persistence')
    metrics.instrumentRedisClient(backplane.redis.pub, 'pubsub_publish')
    metrics.instrumentRedisClient(backplane.redis.sub, 'pubsub_subscribe')
  }
  const sys = startSysPublisher({
    intervalSeconds: options.sys.intervalSeconds,
    aedes,
    snapshot: createSysSnapshot({ aedes, metrics, offlineQueued: queueCap.totalQueued, version: VERSION }),
    logger: log.child({ component: 'sys' })
  })

  aedes.on('client', (client) => {
    clients.set(client.id, client)
    queueCap.reset(client.id)
    queueFullWarned.delete(client.id)
  })
  aedes.on('clientDisconnect', (client) => {
    if (clients.get(client.id) === client) clients.delete(client.id)
  })
  // Limits aedes enforces itself (packet size, timeouts) surface as errors.
  const countAedesLimit = createAedesLimitCounter((limit) => events.emit('limitHit', { limit }))
  aedes.on('clientError', (client, err) => {
    countAedesLimit(client, err)
    log.debug({ clientId: client.id, err: err.message }, 'client error')
  })
  aedes.on('connectionError', (client, err) => {
    countAedesLimit(client, err)
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
      ...(clustered ? { redis: backplane.status() } : {}),
      draining: closing ? { ok: false, detail: 'shutting down' } : { ok: true }
    }
    return { ready: Object.values(checks).every((c) => c.ok), checks, ...(bridges ? { bridges: bridges.states() } : {}) }
  }

  http.exact.set('/healthz', (_req, res) => sendJson(res, 200, { status: 'ok', version: VERSION, nodeId }))
  if (options.metrics.enabled) http.exact.set('/metrics', metrics.handle)
  http.exact.set('/readyz', (_req, res) => {
    const r = readiness()
    sendJson(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r })
  })

  // Connection limits are checked before aedes sees a byte (security.admit).
  // Every open connection, so shutdown can end the ones aedes no longer knows
  // about (a takeover racing with close() registers its client after aedes has
  // already disconnected everyone, and the listener would then never close).
  const connections = new Set<Duplex>()
  const track = (stream: Duplex): void => {
    connections.add(stream)
    stream.once('close', () => connections.delete(stream))
  }
  // `admitted`: TLS listeners already applied the connection limits to the
  // raw socket, before spending a handshake on it.
  const handleTcp = (socket: Socket, admitted = false): void => {
    track(socket)
    if (!admitted && !security.admit(socket, socket.remoteAddress)) return
    const client = aedes.handle(socket)
    security.track(client)
    metrics.trackConnection(client, socket, 'encrypted' in socket ? 'mqtts' : 'mqtt')
  }
  const handleWs = (stream: Duplex, req: IncomingMessage, admitted = false): void => {
    track(stream)
    if (!admitted && !security.admit(stream, req.socket.remoteAddress)) return
    const client = aedes.handle(stream, req)
    security.track(client)
    metrics.trackConnection(client, req.socket, 'encrypted' in req.socket ? 'wss' : 'ws')
  }
  let secure: SecureListeners | undefined

  async function listen (): Promise<readonly ListenerInfo[]> {
    assertSafeBind(options.host, { allowAnonymous: options.allowAnonymous, authConfigured: security.authConfigured })
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
      if (tlsEnabled(options)) {
        secure = await startSecureListeners(options, {
          admit: (socket) => security.admit(socket, socket.remoteAddress),
          handleTls: (socket) => handleTcp(socket, true),
          handleWss: (stream, req) => handleWs(stream, req, true),
          onHandshakeError: (err) => log.debug({ err: err.message }, 'TLS handshake failed')
        })
        const s = secure
        servers.push({ close: () => s.close() })
        listeners.push(...s.listeners)
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

  async function close (opts: { drainWindowMs?: number } = {}): Promise<void> {
    if (closing) return
    closing = true
    sys.stop()
    // Stop accepting first so nobody reconnects into a closing node.
    const stopAccepting = closeAll()
    const drainWindowMs = opts.drainWindowMs ?? 0
    if (drainWindowMs > 0) {
      const drained = await drainClients(aedes, drainWindowMs)
      log.info({ clients: drained, drainWindowMs }, 'drained: clients disconnected, sessions kept in Redis')
    }
    // Release bridge leases before the node goes (the next owner need not wait out the TTL).
    await bridges?.stop()
    await new Promise<void>((resolve) => aedes.close(() => resolve()))
    for (const stream of connections) stream.destroy()
    await stopAccepting
    await shared?.close()
    await cluster?.stop()
    await backplane.close()
    security.close()
    metrics.close()
    listening = false
  }

  async function reload (): Promise<ReloadResult> {
    const result = await security.reloadFiles()
    if (secure) {
      try {
        await secure.reload()
        log.info('TLS certificates reloaded')
      } catch (err) {
        result.errors.push((err as Error).message)
        result.ok = false
        log.error({ err }, 'TLS certificates not reloaded; keeping the previous ones')
      }
    }
    events.emit('reloaded', result)
    return result
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
    metrics,
    listen,
    readiness,
    close,
    reload
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
