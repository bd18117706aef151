import type { Socket } from 'node:net'
import type { BrokerStats } from './stats.js'
import type { CloseReason, Transport } from './labels.js'
import type { DeliveryClientState, DeliveryTracker } from './delivery-tracker.js'

/**
 * Follows each network connection from accept to close: counts it, keeps its
 * socket so bytes can be read exactly (socket.bytesRead/bytesWritten, no
 * per-chunk work), and works out why it ended from the aedes events that fire
 * before the socket closes. Also keeps the session tallies $SYS reports.
 */
interface ConnState extends DeliveryClientState {
  client: any
  reason: CloseReason | undefined
}

export interface ConnectionTracker {
  stateOf: (client: any) => DeliveryClientState | undefined
  track: (client: any, socket: Socket, transport: Transport) => void
  /** Bytes of live sockets plus those already closed. */
  bytes: () => { in: number, out: number }
  detach: () => void
}

/** Error messages aedes 2.0.0-beta.1 uses, mapped to a close reason. */
function reasonFromError (err: Error & { errorCode?: number }): CloseReason {
  const message = err.message ?? ''
  if (err.errorCode === 4 || err.errorCode === 5) return 'auth_failed'
  if (message === 'keep alive timeout') return 'keepalive_timeout'
  if (message === 'connect did not arrive in time') return 'connect_timeout'
  if (message === 'drain timeout') return 'slow_consumer'
  if (message === 'packet too large') return 'too_large'
  if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as NodeJS.ErrnoException).code === 'EPIPE') return 'connection_lost'
  return 'protocol_error'
}

export function createConnectionTracker (aedes: any, stats: BrokerStats, delivery: DeliveryTracker): ConnectionTracker {
  const states = new WeakMap<object, ConnState>()
  // Live sockets and their state. One 'close' listener function serves every
  // socket (no closure, no once() wrapper per connection: ~250 bytes each).
  const live = new Map<Socket, ConnState>()

  const setReason = (client: any, reason: CloseReason): void => {
    const state = states.get(client)
    if (state && state.reason === undefined) state.reason = reason
  }
  const onError = (client: any, err: Error): void => {
    const reason = reasonFromError(err)
    if (reason === 'too_large') stats.dropped.too_large++
    if (reason === 'slow_consumer') stats.dropped.slow_consumer++
    setReason(client, reason)
  }
  const onKeepalive = (client: any): void => setReason(client, 'keepalive_timeout')
  const onClient = (client: any): void => {
    stats.connects++
    stats.disconnectedSessions.delete(client.id)
    if (aedes.connectedClients > stats.clientsMaximum) stats.clientsMaximum = aedes.connectedClients
  }
  const onClientDisconnect = (client: any): void => {
    // [MQTT-3.1.4-2] aedes marks the id while a new connection takes the session over.
    if (aedes._takingOver?.has(client.id) || client.disconnectReasonCode === 0x8E) setReason(client, 'taken_over')
    if (client.clean === false) stats.disconnectedSessions.add(client.id)
  }
  const onSessionExpired = (client: any): void => {
    stats.sessionsExpired++
    stats.disconnectedSessions.delete(client.id)
  }
  const onAck = (_packet: unknown, client: any): void => {
    const state = states.get(client)
    if (state) delivery.acked(state)
  }

  aedes.on('clientError', onError)
  aedes.on('connectionError', onError)
  aedes.on('keepaliveTimeout', onKeepalive)
  aedes.on('client', onClient)
  aedes.on('clientDisconnect', onClientDisconnect)
  aedes.on('sessionExpired', onSessionExpired)
  aedes.on('ack', onAck)

  function onSocketClose (this: Socket): void {
    const state = live.get(this)
    if (state === undefined) return
    live.delete(this)
    stats.closedBytesIn += this.bytesRead
    stats.closedBytesOut += this.bytesWritten
    delivery.closed(state)
    let reason = state.reason
    if (reason === undefined) {
      if (aedes.closed) reason = 'server_shutdown'
      else if (state.client._disconnected) reason = 'client_disconnect'
      else reason = 'connection_lost'
    }
    stats.connectionsClosed[reason]++
  }

  function track (client: any, socket: Socket, transport: Transport): void {
    stats.connectionsAccepted[transport]++
    const state: ConnState = { client, reason: undefined, inflight: 0 }
    states.set(client, state)
    live.set(socket, state)
    socket.on('close', onSocketClose)
  }

  function bytes (): { in: number, out: number } {
    let bytesIn = stats.closedBytesIn
    let bytesOut = stats.closedBytesOut
    for (const socket of live.keys()) {
      bytesIn += socket.bytesRead
      bytesOut += socket.bytesWritten
    }
    return { in: bytesIn, out: bytesOut }
  }

  function detach (): void {
    aedes.off('clientError', onError)
    aedes.off('connectionError', onError)
    aedes.off('keepaliveTimeout', onKeepalive)
    aedes.off('client', onClient)
    aedes.off('clientDisconnect', onClientDisconnect)
    aedes.off('sessionExpired', onSessionExpired)
    aedes.off('ack', onAck)
  }

  return { track, bytes, detach, stateOf: (client) => states.get(client) }
}
