/**
 * Byte helpers that work the same in Node and in browsers. The SDK never
 * touches the global `Buffer` at runtime: it does not exist in a browser, and
 * mqtt.js' browser build keeps its Buffer polyfill to itself. Payloads mqtt.js
 * hands us are Buffers (Node's, or that polyfill), which are Uint8Arrays, so
 * everything here takes and returns Uint8Array.
 */

const encoder = new TextEncoder()

export function utf8Encode (text: string): Uint8Array {
  return encoder.encode(text)
}

/**
 * Strict UTF-8 decode: invalid bytes throw rather than turning into U+FFFD,
 * so a text or JSON codec reports a binary payload instead of mangling it.
 */
export function utf8Decode (bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
}

/** `n` random bytes as lowercase hex (Web Crypto: global in Node ≥ 19 and browsers). */
export function randomHex (n: number): string {
  const bytes = new Uint8Array(n)
  globalThis.crypto.getRandomValues(bytes)
  return toHex(bytes)
}

export function toHex (bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}

export function fromHex (hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}
