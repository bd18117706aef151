/** Anything with once/off: node EventEmitters, mqtt.js clients, sockets. */
export interface Emitter {
  once (event: any, listener: any): unknown
  off (event: any, listener: any): unknown
}

export const DEFAULT_WAIT_TIMEOUT_MS = 10_000

/** Poll `check` until it returns a truthy value, or fail after `timeoutMs` with `what` (a function: worded at the time of failure). */
export async function waitFor<T> (check: () => T | Promise<T>, what: string | (() => string), timeoutMs = DEFAULT_WAIT_TIMEOUT_MS, intervalMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value as NonNullable<T>
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      const detail = lastError ? ` (last error: ${(lastError as Error).message})` : ''
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}${detail}`)
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** The next `event` from `emitter`, or an error naming the event after `timeoutMs`. */
export function nextEvent<T extends unknown[] = unknown[]> (emitter: Emitter, event: string, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, onEvent)
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`))
    }, timeoutMs)
    const onEvent = (...args: unknown[]): void => {
      clearTimeout(timer)
      resolve(args as T)
    }
    emitter.once(event, onEvent)
  })
}

/** Resolve `promise` or reject after `timeoutMs` saying what we were waiting for. */
export async function withTimeout<T> (promise: Promise<T>, what: string, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
