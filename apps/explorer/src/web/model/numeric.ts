import { payloadJson, payloadText, type ReceivedMessage } from './message.js'

/** The field name used for a payload that is itself a number ("21.5"). */
export const WHOLE_PAYLOAD = '(value)'
/** Fields offered for charting, at most (deeply nested documents stop here). */
const MAX_FIELDS = 50
const MAX_DEPTH = 5

export interface Point { t: number, v: number }

/** Numeric fields of one payload: "temp", "env.humidity", "readings[0]"; or WHOLE_PAYLOAD. */
export function numericFields (payload: Uint8Array): string[] {
  const whole = Number(payloadText(payload, 64).trim())
  if (payload.length > 0 && payload.length <= 64 && Number.isFinite(whole)) return [WHOLE_PAYLOAD]
  const json = payloadJson(payload)
  const out: string[] = []
  const visit = (value: unknown, path: string, depth: number): void => {
    if (out.length >= MAX_FIELDS) return
    if (typeof value === 'number' && Number.isFinite(value)) {
      out.push(path || WHOLE_PAYLOAD)
    } else if (value && typeof value === 'object' && depth < MAX_DEPTH) {
      if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${path}[${i}]`, depth + 1))
      else for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k, depth + 1)
    }
  }
  if (json !== undefined) visit(json, '', 0)
  return out
}

/** The number at `field` in a payload, or undefined. */
export function numericValue (payload: Uint8Array, field: string): number | undefined {
  if (field === WHOLE_PAYLOAD) {
    const text = payloadText(payload, 64).trim()
    const n = text === '' ? NaN : Number(text)
    if (Number.isFinite(n)) return n
    const json = payloadJson(payload)
    return typeof json === 'number' ? json : undefined
  }
  let value: unknown = payloadJson(payload)
  for (const part of field.match(/[^.[\]]+/g) ?? []) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

export function series (history: readonly ReceivedMessage[], field: string): Point[] {
  const out: Point[] = []
  for (const m of history) {
    const v = numericValue(m.payload, field)
    if (v !== undefined) out.push({ t: m.receivedAt, v })
  }
  return out
}
