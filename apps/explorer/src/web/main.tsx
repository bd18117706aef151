import { Buffer } from 'buffer'
import { render } from 'preact'
import { App, restoreHistorySize } from './app.js'
import { loadServerConfig } from './model/server-config.js'
import { ExplorerStore } from './model/store.js'
import './styles.css'

// @siar/client turns binary payloads into Buffers with the global `Buffer`,
// which browsers lack; mqtt.js' browser build keeps its own copy private.
;(globalThis as unknown as { Buffer: typeof Buffer }).Buffer ??= Buffer

void loadServerConfig().then((config) => {
  const store = new ExplorerStore()
  restoreHistorySize(store)
  document.title = `siar explorer · ${config.label}`
  render(<App store={store} config={config} />, document.getElementById('app') as HTMLElement)
})
