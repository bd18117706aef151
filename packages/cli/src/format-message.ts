import type { Message } from '@siar/client'

/** One JSON object per message: payload as text when it is UTF-8, base64 otherwise. */
export function messageToJson (m: Message): string {
  const text = decodeUtf8(m.payload)
  const out: Record<string, unknown> = {
    topic: m.topic,
    payload: text ?? m.payload.toString('base64'),
    payloadEncoding: text === null ? 'base64' : 'utf8',
    qos: m.qos,
    retain: m.retain
  }
  if (m.properties && Object.keys(m.properties).length > 0) out.properties = jsonSafe(m.properties)
  return JSON.stringify(out)
}

/** Strict UTF-8 decode; null when the bytes are not valid UTF-8. */
export function decodeUtf8 (buf: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf)
  } catch {
    return null
  }
}

function jsonSafe (value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { base64: value.toString('base64') }
  if (Array.isArray(value)) return value.map(jsonSafe)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, jsonSafe(v)]))
  }
  return value
}
