/**
 * What the server tells the page at /explorer-config.json: where to connect and
 * whether it may connect on its own. Shared by the broker (apps/broker), the
 * `siar explore` command and the page itself, so all three agree on the shape.
 */
export interface ExplorerConnectTarget {
  protocol: 'ws' | 'wss'
  /** Omitted: the page uses `location.hostname`, so it works through any name or address the browser used. */
  host?: string
  port: number
  /** WebSocket path, e.g. /mqtt. */
  path: string
}

export interface ExplorerConfig {
  /** The broker itself, or `siar explore` (which may relay to a TCP/TLS broker). */
  servedBy: 'broker' | 'explore'
  /** Shown in the header: the broker's version or the URL given to `siar explore`. */
  label: string
  /** Null when the broker has no WebSocket listener: the page then asks for a URL. */
  connect: ExplorerConnectTarget | null
  /**
   * The broker listens beyond loopback with authentication on: the page must not
   * connect anonymously on open; its connect form (user name, password) is the login.
   */
  authRequired: boolean
  /** Credentials given to `siar explore` on its command line (never sent by the broker). */
  username?: string
  password?: string
}

/** Path of the config document, served next to the page. */
export const EXPLORER_CONFIG_PATH = '/explorer-config.json'
