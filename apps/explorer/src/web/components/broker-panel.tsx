import type { ExplorerStore } from '../model/store.js'
import type { TopicNode } from '../model/topic-tree.js'
import { previewOf } from '../model/message.js'
import { formatBytes } from './hooks.js'

/** Mosquitto's $SYS names, which siar publishes too; shown when present. */
const KNOWN: Array<[topic: string, label: string]> = [
  ['$SYS/broker/version', 'Version'],
  ['$SYS/broker/uptime', 'Uptime'],
  ['$SYS/broker/clients/connected', 'Clients connected'],
  ['$SYS/broker/clients/total', 'Clients (incl. offline sessions)'],
  ['$SYS/broker/clients/maximum', 'Clients, most at once'],
  ['$SYS/broker/subscriptions/count', 'Subscriptions'],
  ['$SYS/broker/retained messages/count', 'Retained messages'],
  ['$SYS/broker/messages/received', 'Messages received'],
  ['$SYS/broker/messages/sent', 'Messages sent'],
  ['$SYS/broker/load/messages/received/1min', 'Messages received / min (1 min avg)'],
  ['$SYS/broker/load/messages/sent/1min', 'Messages sent / min (1 min avg)'],
  ['$SYS/broker/load/bytes/received/1min', 'Bytes received / min (1 min avg)'],
  ['$SYS/broker/load/bytes/sent/1min', 'Bytes sent / min (1 min avg)'],
  ['$SYS/broker/load/connections/1min', 'Connections / min (1 min avg)'],
  ['$SYS/broker/heap/current', 'Heap in use']
]

export function BrokerPanel ({ store }: { store: ExplorerStore }) {
  const tree = store.tree
  const sys = tree.root.children.get('$SYS')
  const known = KNOWN.map(([topic, label]) => ({ topic, label, node: tree.find(topic) })).filter((k) => k.node?.last)
  const knownTopics = new Set(known.map((k) => k.topic))
  const others = sys ? tree.topicsUnder(sys).filter((n) => !knownTopics.has(n.topic)).slice(0, 200) : []
  return (
    <div class='broker-panel' data-testid='broker-panel'>
      <h2>Broker</h2>
      <table>
        <tbody>
          <tr><th>Messages / s seen by this page</th><td>{store.rate}</td></tr>
          <tr><th>Topics seen</th><td>{tree.byTopic.size}</td></tr>
          {known.map((k) => (
            <tr key={k.topic} data-sys={k.topic}><th title={k.topic}>{k.label}</th><td>{value(k.node as TopicNode)}</td></tr>
          ))}
        </tbody>
      </table>
      {known.length === 0 && (
        <p class='muted'>No <code>$SYS/broker/…</code> topics received. Brokers that publish them (siar, Mosquitto) show clients,
          message rates and uptime here; check that a <code>$SYS/#</code> subscription is in the connection's list.</p>
      )}
      {others.length > 0 && (
        <>
          <h3>Other $SYS topics</h3>
          <table class='sys-others'>
            <tbody>
              {others.map((n) => <tr key={n.topic}><th>{n.topic}</th><td>{value(n)}</td></tr>)}
            </tbody>
          </table>
        </>
      )}
    </div>
  )
}

function value (node: TopicNode): string {
  if (!node.last) return ''
  const text = previewOf(node.last, 80)
  if (node.topic === '$SYS/broker/uptime') {
    const seconds = parseInt(text, 10)
    if (Number.isFinite(seconds)) return formatDuration(seconds)
  }
  if (/\/heap\/(current|maximum)$/.test(node.topic) && /^\d+$/.test(text)) return formatBytes(Number(text))
  return text
}

function formatDuration (s: number): string {
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  return `${d > 0 ? `${d}d ` : ''}${h}h ${m}m ${s % 60}s`
}
