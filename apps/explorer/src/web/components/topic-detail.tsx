import { useState } from 'preact/hooks'
import { collectHistory, download, exportFileName, toCsv, toJson, type ExportFormat } from '../model/export.js'
import { payloadJson, type ReceivedMessage } from '../model/message.js'
import { numericFields, series, WHOLE_PAYLOAD } from '../model/numeric.js'
import type { ExplorerStore } from '../model/store.js'
import type { TopicNode } from '../model/topic-tree.js'
import { formatBytes, formatTime, pure } from './hooks.js'
import { PayloadView, type PayloadFormat } from './payload-view.js'
import { PropertiesTable } from './properties-table.js'
import { ValueChart } from './value-chart.js'

export interface DetailActions {
  /** Ask the user; resolves true on "yes". */
  ask: (question: string) => Promise<boolean>
  /** Publish an empty retained message: the broker drops its retained copy [MQTT-3.3.1-10]. */
  clearRetained: (topics: string[]) => Promise<void>
  publishHere: (topic: string, message?: ReceivedMessage) => void
}

interface Props {
  store: ExplorerStore
  node: TopicNode
  /** Changes whenever the node does; lets `pure` skip frames with no news here. */
  version: string
  actions: DetailActions
}

export const TopicDetail = pure(function TopicDetail ({ store, node, actions }: Props) {
  const [pinnedSeq, setPinnedSeq] = useState<number | null>(null)
  const [format, setFormat] = useState<PayloadFormat | null>(null)
  const [field, setField] = useState<string | null>(null)
  const [status, setStatus] = useState('')

  const history = node.history
  const message = (pinnedSeq !== null && history.find((m) => m.seq === pinnedSeq)) || node.last
  const index = message ? history.indexOf(message) : -1
  const previous = index > 0 ? history[index - 1] : undefined
  const shownFormat: PayloadFormat = format ?? (message && payloadJson(message.payload) !== undefined ? 'json' : 'text')
  const fields = message ? numericFields(message.payload) : []
  const chartField = field !== null && fields.includes(field) ? field : fields[0]
  const retainedTopics = node.retainedBelow

  const exportAs = (fmt: ExportFormat): void => {
    const messages = collectHistory(store.tree, node)
    download(exportFileName(node, fmt), fmt === 'json' ? toJson(messages) : toCsv(messages), fmt === 'json' ? 'application/json' : 'text/csv')
    setStatus(`exported ${messages.length} messages`)
  }
  const clear = async (topics: string[], question: string): Promise<void> => {
    if (!(await actions.ask(question))) return
    try {
      await actions.clearRetained(topics)
      setStatus(`deleted ${topics.length} retained message${topics.length === 1 ? '' : 's'}`)
    } catch (err) {
      setStatus(`failed: ${(err as Error).message}`)
    }
  }
  const retainedUnder = (): string[] => store.tree.topicsUnder(node).filter((n) => n.retained).map((n) => n.topic)

  return (
    <div class='detail' data-testid='detail' data-topic={node.topic}>
      <h2 class='topic-title'>{node.topic === '' ? '(empty level)' : node.topic}</h2>
      <div class='summary'>
        {node.isTopic && <span>{node.count} message{node.count === 1 ? '' : 's'}</span>}
        {node.sorted.length > 0 && <span>{node.topics} topics · {node.total} messages below</span>}
        {node.retained && <span class='badge retained'>retained</span>}
      </div>
      <div class='actions'>
        <button onClick={() => exportAs('json')}>Export JSON</button>
        <button onClick={() => exportAs('csv')}>Export CSV</button>
        <button onClick={() => actions.publishHere(node.topic, message ?? undefined)}>Publish here…</button>
        {node.retained && (
          <button class='danger' onClick={() => void clear([node.topic], `Delete the retained message on “${node.topic}”?`)}>Delete retained</button>
        )}
        {node.sorted.length > 0 && retainedTopics > 0 && (
          <button class='danger' onClick={() => { const t = retainedUnder(); void clear(t, `Delete ${t.length} retained message${t.length === 1 ? '' : 's'} under “${node.topic}”?`) }}>
            Delete retained below ({retainedTopics})
          </button>
        )}
      </div>
      {status && <div class='status' role='status'>{status}</div>}
      {message && (
        <>
          <div class='tabs' role='tablist'>
            {(['text', 'json', 'hex', 'diff'] as const).map((f) => (
              <button key={f} role='tab' aria-selected={shownFormat === f} class={shownFormat === f ? 'on' : ''} onClick={() => setFormat(f)}>{f === 'json' ? 'JSON' : f[0]?.toUpperCase() + f.slice(1)}</button>
            ))}
            {pinnedSeq !== null && <button class='link' onClick={() => setPinnedSeq(null)}>follow latest</button>}
          </div>
          <PayloadView message={message} previous={previous} format={shownFormat} />
          <PropertiesTable message={message} />
          {fields.length > 0 && chartField !== undefined && (
            <div class='chart-box'>
              <label>Chart <select data-testid='chart-field' value={chartField} onChange={(e) => setField((e.currentTarget as HTMLSelectElement).value)}>
                {fields.map((f) => <option key={f} value={f}>{f === WHOLE_PAYLOAD ? 'value' : f}</option>)}
              </select></label>
              <ValueChart points={series(history, chartField)} label={chartField === WHOLE_PAYLOAD ? 'value' : chartField} />
            </div>
          )}
          <h3>History <small>({history.length} kept, newest first; at most {store.tree.historySize} per topic)</small></h3>
          <ol class='history' data-testid='history'>
            {history.slice().reverse().map((m) => (
              <li key={m.seq} class={m === message ? 'on' : ''} onClick={() => setPinnedSeq(m.seq)}>
                <span class='time'>{formatTime(m.receivedAt)}</span>
                <span class='size'>{formatBytes(m.payload.length)}</span>
                {m.retain && <span class='badge retained'>R</span>}
                <span class='badge'>QoS {m.qos}</span>
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  )
})
