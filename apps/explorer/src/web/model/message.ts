/** One received PUBLISH as the explorer keeps it: bytes plus what MQTT said about them. */
export interface ReceivedMessage {
  topic: string
  payload: Uint8Array
  qos: 0 | 1 | 2
  retain: boolean
  dup: boolean
  /** MQTT 5 PUBLISH properties as received (absent on 3.1.1). */
  properties?: Record<string, unknown>
  /** Browser clock, ms since the epoch. */
  receivedAt: number
  /** Arrival order across all topics, for stable exports. */
  seq: number
}

const utf8 = new TextDecoder('utf-8', { fatal: false })
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** The payload as text (invalid UTF-8 becomes U+FFFD). */
export function payloadText (payload: Uint8Array, maxBytes = Infinity): string {
  return utf8.decode(payload.length > maxBytes ? payload.subarray(0, maxBytes) : payload)
}

/** True when the payload is valid UTF-8 (so text export is lossless). */
export function isUtf8 (payload: Uint8Array): boolean {
  try {
    strictUtf8.decode(payload)
    return true
  } catch {
    return false
  }
}

/** Parsed JSON, or undefined when the payload is not JSON. */
export function payloadJson (payload: Uint8Array): unknown {
  if (payload.length === 0) return undefined
  const first = payload[0]
  // Cheap pre-check: JSON texts start with {, [, ", a digit, -, t, f or n.
  if (first === undefined || !/[[{"\d\-tfn\s]/.test(String.fromCharCode(first))) return undefined
  try {
    return JSON.parse(payloadText(payload))
  } catch {
    return undefined
  }
}

/** Classic hex dump: offset, 16 bytes, printable ASCII. */
export function hexDump (payload: Uint8Array, maxBytes = 64 * 1024): string {
  const lines: string[] = []
  const end = Math.min(payload.length, maxBytes)
  for (let off = 0; off < end; off += 16) {
    const row = payload.subarray(off, Math.min(off + 16, end))
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ')
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('')
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`)
  }
  if (payload.length > end) lines.push(`… ${payload.length - end} more bytes`)
  return lines.join('\n')
}

export function toHex (bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Parse "de ad be ef" / "deadbeef" into bytes; throws on odd length or bad digits. */
export function fromHex (text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '')
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error('hex payload must be pairs of 0-9 a-f digits')
  const out = new Uint8Array(clean.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16)
  return out
}

/** Short one-line preview for the tree. */
export function previewOf (m: ReceivedMessage, maxChars = 60): string {
  if (m.payload.length === 0) return '(empty)'
  const text = payloadText(m.payload, maxChars * 4).replace(/\s+/g, ' ')
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text
}
