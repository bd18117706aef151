import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { bindServer, displayHost, type ListenerInfo } from './bind.js'

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

export interface HttpRoutes {
  /** Exact-path routes such as /healthz; later features register /metrics here. */
  exact: Map<string, HttpHandler>
  /** Handles whatever no exact route takes (the explorer's static files). */
  fallback?: HttpHandler
}

export interface HttpListener {
  info: ListenerInfo
  server: Server
}

export async function startHttpListener (host: string, port: number, routes: HttpRoutes): Promise<HttpListener> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const handler = routes.exact.get(path) ?? routes.fallback
    if (!handler) {
      sendJson(res, 404, { error: 'not found', path })
      return
    }
    Promise.resolve(handler(req, res)).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message })
      else res.destroy()
    })
  })
  // Health probes must not be held up by idle keep-alive sockets at shutdown.
  server.keepAliveTimeout = 5_000
  const bound = await bindServer(server, 'http', host, port)
  return { server, info: { kind: 'http', host, port: bound, url: `http://${displayHost(host)}:${bound}` } }
}

export function sendJson (res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(text)
}
