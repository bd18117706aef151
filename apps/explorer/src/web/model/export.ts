import { isUtf8, payloadText, toHex, type ReceivedMessage } from './message.js'
import type { TopicNode, TopicTree } from './topic-tree.js'

export type ExportFormat = 'json' | 'csv'

/** The history of a topic, or of every topic under a branch, oldest first. */
export function collectHistory (tree: TopicTree, node: TopicNode): ReceivedMessage[] {
  const all = tree.topicsUnder(node).flatMap((n) => n.history)
  return all.sort((a, b) => a.seq - b.seq)
}

interface ExportedMessage {
  topic: string
  receivedAt: string
  qos: number
  retain: boolean
  /** UTF-8 text, or base64 when the payload is not valid UTF-8. */
  payload: string
  payloadEncoding: 'utf8' | 'base64'
  properties?: Record<string, unknown>
}

function toExported (m: ReceivedMessage): ExportedMessage {
  const utf8 = isUtf8(m.payload)
  const out: ExportedMessage = {
    topic: m.topic,
    receivedAt: new Date(m.receivedAt).toISOString(),
    qos: m.qos,
    retain: m.retain,
    payload: utf8 ? payloadText(m.payload) : base64(m.payload),
    payloadEncoding: utf8 ? 'utf8' : 'base64'
  }
  if (m.properties) out.properties = jsonSafe(m.properties) as Record<string, unknown>
  return out
}

export function toJson (messages: readonly ReceivedMessage[]): string {
  return JSON.stringify(messages.map(toExported), null, 2) + '\n'
}

/** RFC 4180 CSV: fields with a quote, comma or line break are quoted, quotes doubled. */
export function toCsv (messages: readonly ReceivedMessage[]): string {
  const header = ['receivedAt', 'topic', 'qos', 'retain', 'payloadEncoding', 'payload', 'userProperties']
  const lines = [header.join(',')]
  for (const m of messages) {
    const e = toExported(m)
    const user = e.properties?.userProperties ? JSON.stringify(e.properties.userProperties) : ''
    lines.push([e.receivedAt, e.topic, String(e.qos), String(e.retain), e.payloadEncoding, e.payload, user].map(csvField).join(','))
  }
  return lines.join('\r\n') + '\r\n'
}

function csvField (s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

function base64 (bytes: Uint8Array): string {
  let bin = ''
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(bin)
}

/** Properties with binary values (correlation data) as hex, so they survive JSON. */
export function jsonSafe (value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value)
  if (Array.isArray(value)) return value.map(jsonSafe)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]))
  }
  return value
}

/** A file name from a topic: "sensors/+/x" → "sensors_x". */
export function exportFileName (node: TopicNode, format: ExportFormat): string {
  const base = node.topic.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'topics'
  return `${base}${node.isTopic && node.sorted.length === 0 ? '' : '-branch'}.${format}`
}

/** Save a text as a file through the browser's download. */
export function download (fileName: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
