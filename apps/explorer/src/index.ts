import { fileURLToPath } from 'node:url'

export type { ExplorerConfig, ExplorerConnectTarget } from './explorer-config.js'
export { EXPLORER_CONFIG_PATH } from './explorer-config.js'

/**
 * The built page (index.html, app.js, app.css and their .gz twins). Servers
 * depend on this path, never on the page's source: `npm run build` in this
 * workspace writes it.
 */
export const EXPLORER_WEB_DIR = fileURLToPath(new URL('../dist/web/', import.meta.url))
