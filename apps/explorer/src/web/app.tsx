import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import type { ExplorerConfig } from '../explorer-config.js'
import { BrokerPanel } from './components/broker-panel.js'
import { ConfirmDialog, type Question } from './components/confirm-dialog.js'
import { ConnectForm } from './components/connect-form.js'
import { useStore } from './components/hooks.js'
import { PublishForm, type PublishDraft } from './components/publish-form.js'
import { TopicDetail, type DetailActions } from './components/topic-detail.js'
import { TreeView } from './components/tree-view.js'
import { payloadText } from './model/message.js'
import { DEFAULT_SUBSCRIPTIONS, randomClientId, type ConnectionProfile } from './model/profiles.js'
import { mayAutoConnect, targetUrl } from './model/server-config.js'
import type { ExplorerStore } from './model/store.js'
import { DEFAULT_HISTORY_SIZE, MAX_HISTORY_SIZE } from './model/topic-tree.js'
import { openSession, type Session } from './mqtt/session.js'

type Tab = 'topic' | 'publish' | 'broker' | 'connection'

const HISTORY_KEY = 'siar-explorer.history-size'

/** Apply and remember the per-topic history bound. */
function setHistorySize (store: ExplorerStore, n: number): void {
  store.tree.historySize = Number.isFinite(n) && n >= 1 ? Math.min(n, MAX_HISTORY_SIZE) : DEFAULT_HISTORY_SIZE
  try { localStorage.setItem(HISTORY_KEY, String(store.tree.historySize)) } catch { /* private mode: not remembered */ }
  store.changed()
}

/** The bound the user chose last time in this browser. */
export function restoreHistorySize (store: ExplorerStore): void {
  const saved = Number(localStorage.getItem(HISTORY_KEY))
  if (saved >= 1) store.tree.historySize = Math.min(saved, MAX_HISTORY_SIZE)
}

function defaultProfile (config: ExplorerConfig): ConnectionProfile {
  return {
    name: config.label,
    url: targetUrl(config),
    clientId: randomClientId(),
    username: config.username ?? '',
    password: config.password ?? '',
    savePassword: false,
    protocolVersion: 5,
    subscriptions: DEFAULT_SUBSCRIPTIONS
  }
}

export function App ({ store, config }: { store: ExplorerStore, config: ExplorerConfig }) {
  useStore(store)
  const initial = useMemo(() => defaultProfile(config), [config])
  const [session, setSession] = useState<Session | null>(null)
  const [tab, setTab] = useState<Tab>('connection')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const [question, setQuestion] = useState<Question | null>(null)
  const [draft, setDraft] = useState<PublishDraft>({ topic: '', payload: '', nonce: 0 })

  const connectWith = async (profile: ConnectionProfile): Promise<void> => {
    setBusy(true)
    setError('')
    if (session) await session.close()
    setSession(null)
    store.reset()
    try {
      setSession(await openSession(profile, store))
      setTab('topic')
    } catch (err) {
      setError((err as Error).message)
      setTab('connection')
    } finally {
      setBusy(false)
    }
  }
  // Served by a broker with no login needed: connect on open, no set-up.
  useEffect(() => { if (mayAutoConnect(config)) void connectWith(initial) }, [])

  // One actions object for the page's life: the detail pane skips redraws while
  // its props are unchanged, so they must not be rebuilt every frame.
  const sessionRef = useRef<Session | null>(null)
  sessionRef.current = session
  const actions = useMemo<DetailActions>(() => ({
    ask: (text) => new Promise((resolve) => {
      setQuestion({ text, answer: (yes) => { setQuestion(null); resolve(yes) } })
    }),
    clearRetained: async (topics) => {
      const s = sessionRef.current
      if (!s) throw new Error('not connected')
      for (const topic of topics) await s.publish({ topic, payload: '', qos: 1, retain: true })
    },
    publishHere: (topic, message) => {
      setDraft((d) => ({ topic, payload: message ? payloadText(message.payload) : '', nonce: d.nonce + 1 }))
      setTab('publish')
    }
  }), [])
  const conn = store.connection
  const selected = store.selected

  return (
    <div class='app'>
      <header>
        <h1>siar explorer</h1>
        <span class='label' title='broker'>{config.label}</span>
        <span class={`pill ${conn.status}`} data-testid='status' title={conn.detail}>{conn.status}</span>
        <span class='stat' data-testid='rate'>{store.rate} msg/s</span>
        <span class='stat' data-testid='topic-count'>{store.tree.byTopic.size} topics</span>
        <span class='stat'>{store.tree.messageCount} messages</span>
        <label class='stat'>history <input type='number' min='1' max={MAX_HISTORY_SIZE} value={store.tree.historySize} class='small'
          onChange={(e) => setHistorySize(store, Number(e.currentTarget.value))} /> / topic</label>
        <span class='spacer' />
        {session && <button onClick={() => { void session.close(); setSession(null); setTab('connection') }}>Disconnect</button>}
      </header>
      {conn.warning && conn.status === 'connected' && <div class='warning' role='status'>{conn.warning}</div>}
      <main>
        <aside>
          <input class='filter' type='search' placeholder='filter topics…' aria-label='filter topics' value={store.filter}
            onInput={(e) => store.setFilter(e.currentTarget.value)} />
          <TreeView store={store} />
        </aside>
        <section class='panel'>
          <nav class='tabs' role='tablist'>
            {(['topic', 'publish', 'broker', 'connection'] as const).map((t) => (
              <button key={t} role='tab' aria-selected={tab === t} class={tab === t ? 'on' : ''} onClick={() => setTab(t)}
                disabled={!session && t !== 'connection'} data-tab={t}>{t[0]?.toUpperCase() + t.slice(1)}</button>
            ))}
          </nav>
          {tab === 'connection' && (
            <ConnectForm initial={session?.profile ?? initial} loginRequired={config.authRequired && !session}
              busy={busy} error={error} onConnect={(p) => void connectWith(p)} />
          )}
          {tab === 'topic' && (selected
            ? <TopicDetail key={selected.topic} store={store} node={selected}
                version={`${selected.version}:${selected.total}:${selected.retainedBelow}:${store.tree.historySize}`} actions={actions} />
            : <p class='muted pad'>Choose a topic on the left.</p>)}
          {tab === 'publish' && session && (
            <PublishForm draft={draft} v5={session.profile.protocolVersion === 5} publish={session.publish} />
          )}
          {tab === 'broker' && <BrokerPanel store={store} />}
        </section>
      </main>
      <ConfirmDialog question={question} />
    </div>
  )
}
