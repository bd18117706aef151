import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Broker } from '@siar/core'
import { EXPLORER_CONFIG_PATH, EXPLORER_WEB_DIR, type ExplorerConfig } from '@siar/explorer'
import { createStaticHandler } from './static-files.js'

export interface ExplorerHandlerOptions {
  /** Built page directory (default: @siar/explorer's dist/web). */
  webDir?: string
  /** Read per request: listeners bind after the handler is installed. */
  config: () => ExplorerConfig
}

/** Serves the explorer page and its /explorer-config.json. */
export function createExplorerHandler (opts: ExplorerHandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const files = createStaticHandler(opts.webDir ?? EXPLORER_WEB_DIR)
  return async (req, res) => {
    if ((req.url ?? '/').split('?')[0] === EXPLORER_CONFIG_PATH) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
      res.end(JSON.stringify(opts.config()))
      return
    }
    await files(req, res)
  }
}

/**
 * What the page served by this broker connects to: its own ws listener (wss
 * when that is the only one), on whatever host name the browser used. A
 * password file without --allow-anonymous means anonymous clients are refused,
 * so the page must show its login instead of connecting on open.
 */
export function explorerConfigFor (broker: Pick<Broker, 'listeners' | 'options' | 'version'>): ExplorerConfig {
  const ws = broker.listeners.find((l) => l.kind === 'ws') ?? broker.listeners.find((l) => l.kind === 'wss')
  return {
    servedBy: 'broker',
    label: `siar ${broker.version}`,
    connect: ws ? { protocol: ws.kind === 'wss' ? 'wss' : 'ws', port: ws.port, path: broker.options.wsPath } : null,
    authRequired: broker.options.auth.passwordFile !== undefined && !broker.options.allowAnonymous
  }
}

/** Serve the explorer at / on the broker's HTTP port (routes the broker does not take itself). */
export function installExplorer (broker: Broker, webDir?: string): void {
  broker.http.fallback = createExplorerHandler({ config: () => explorerConfigFor(broker), ...(webDir ? { webDir } : {}) })
}
