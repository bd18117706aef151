import { connect, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP round-robin load balancer for tests, standing in for a Kubernetes
 * Service in front of broker pods: each new client connection goes to the
 * next backend in rotation; a backend can be taken out of rotation (as a
 * terminating pod leaves the endpoints) without touching its open connections.
 * A backend that refuses the connection is skipped, as kube-proxy would retry.
 */
export interface ProxyBackend { port: number, enabled: boolean, connections: number }

export interface RoundRobinProxy {
  port: number
  backends: readonly ProxyBackend[]
  setEnabled: (index: number, enabled: boolean) => void
  /** A replaced backend may come back on another port (a new pod, a new address). */
  setPort: (index: number, port: number) => void
  /** Client connections accepted and routed, in total. */
  routed: () => number
  close: () => Promise<void>
}

export async function createRoundRobinProxy (ports: number[]): Promise<RoundRobinProxy> {
  const backends: ProxyBackend[] = ports.map((port) => ({ port, enabled: true, connections: 0 }))
  const open = new Set<Socket>()
  let next = 0
  let routed = 0

  const track = (socket: Socket): void => {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
    socket.on('error', () => { /* the peer's close is handled below */ })
  }

  const route = (client: Socket, attemptsLeft: number): void => {
    const candidates = backends.map((b, i) => ({ b, i })).filter(({ b }) => b.enabled)
    if (candidates.length === 0 || attemptsLeft === 0 || client.destroyed) { client.destroy(); return }
    const pick = candidates[next++ % candidates.length]!
    const upstream = connect({ port: pick.b.port, host: '127.0.0.1' })
    track(upstream)
    let connected = false
    upstream.once('connect', () => {
      connected = true
      pick.b.connections++
      routed++
      // Bytes the client sent meanwhile waited in its (paused) socket.
      client.pipe(upstream)
      upstream.pipe(client)
    })
    upstream.once('close', (hadError) => {
      if (!connected) { route(client, attemptsLeft - 1); return }
      // A clean close from the broker: pipe() has already ended the client
      // side, which flushes what the broker wrote last (a real load balancer
      // forwards those bytes too). Only a reset is passed on as a reset.
      if (hadError) client.destroy()
    })
    client.once('close', () => upstream.destroy())
  }

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    track(client)
    route(client, backends.length * 2)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0

  return {
    port,
    backends,
    setEnabled: (index, enabled) => {
      const b = backends[index]
      if (!b) throw new Error(`no backend ${index}`)
      b.enabled = enabled
    },
    setPort: (index, port) => {
      const b = backends[index]
      if (!b) throw new Error(`no backend ${index}`)
      b.port = port
    },
    routed: () => routed,
    close: async () => {
      for (const s of open) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
