import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon'
}

/**
 * The page may talk to its own origin and to MQTT over WebSocket on any host
 * (the broker's ws port differs from the page's); nothing may frame it.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; connect-src 'self' ws: wss:; worker-src 'self' blob:; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer'
}

export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

/**
 * GET/HEAD files under `root`; "/" is index.html. A precompressed `file.gz`
 * next to a file is sent to clients that accept gzip, so a Raspberry Pi does
 * not compress the bundle on every request. Paths cannot leave `root`.
 */
export function createStaticHandler (root: string): StaticHandler {
  const base = normalize(root.endsWith(sep) ? root : root + sep)
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n')
      return
    }
    let path: string
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad path\n')
      return
    }
    if (path.endsWith('/')) path += 'index.html'
    const file = normalize(join(base, path))
    if (!file.startsWith(base) || path.includes('\0')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
      return
    }
    const info = await stat(file).catch(() => null)
    if (!info?.isFile()) {
      const hint = path === '/index.html' ? ' (the explorer is not built: run npm run build)' : ''
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found${hint}\n`)
      return
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && await stat(`${file}.gz`).then((s) => s.isFile(), () => false)
    const served = gzip ? `${file}.gz` : file
    const size = gzip ? (await stat(served)).size : info.size
    // Files keep their names across builds, so revalidate every time; the ETag makes that a cheap 304.
    const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}${gzip ? '-gz' : ''}"`
    const headers: Record<string, string | number> = {
      ...SECURITY_HEADERS,
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
      etag,
      vary: 'accept-encoding'
    }
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end()
      return
    }
    if (gzip) headers['content-encoding'] = 'gzip'
    headers['content-length'] = size
    res.writeHead(200, headers)
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(served)
      stream.once('error', reject)
      res.once('close', resolve)
      stream.pipe(res)
    })
  }
}
