import { connect } from 'node:net'
import WebSocket from 'ws'

export interface ProbeResult {
  ok: boolean
  /** ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, HTTP 503 ... */
  error?: string
  /** HTTP status, when there was one. */
  status?: number
}

/** Can a TCP connection be opened? Refused and timed out mean different things to a person. */
export async function probeTcp (host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return await new Promise((resolve) => {
    const socket = connect({ host, port })
    const finish = (result: ProbeResult): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    const timer = setTimeout(() => finish({ ok: false, error: 'ETIMEDOUT' }), timeoutMs)
    socket.once('connect', () => finish({ ok: true }))
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ ok: false, error: err.code ?? err.message }))
  })
}

/** GET a URL (the siar health endpoint); any HTTP answer means the port is up. */
export async function probeHttp (url: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    await res.body?.cancel()
    return { ok: res.ok, status: res.status }
  } catch (err) {
    const cause = (err as { cause?: NodeJS.ErrnoException }).cause
    return { ok: false, error: cause?.code ?? (err as Error).name }
  }
}

/**
 * Open a WebSocket with the `mqtt` subprotocol (MQTT 5.0 §6) and close it:
 * proves the port is up and the path is a WebSocket endpoint, without logging in.
 */
export async function probeWebSocket (url: string, timeoutMs: number): Promise<ProbeResult> {
  return await new Promise((resolve) => {
    const ws = new WebSocket(url, 'mqtt', { handshakeTimeout: timeoutMs })
    let settled = false
    const finish = (result: ProbeResult): void => {
      if (settled) return
      settled = true
      ws.terminate()
      resolve(result)
    }
    ws.once('open', () => finish({ ok: true }))
    ws.once('unexpected-response', (_req, res) => finish({ ok: false, error: `HTTP ${res.statusCode ?? '?'}`, ...(res.statusCode ? { status: res.statusCode } : {}) }))
    ws.once('error', (err: NodeJS.ErrnoException) => finish({ ok: false, error: err.code ?? err.message }))
  })
}
