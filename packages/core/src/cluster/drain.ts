/** [MQTT-3.14.2] 0x8B Server shutting down: v5 clients learn why and reconnect elsewhere. */
const SERVER_SHUTTING_DOWN = 0x8b

/**
 * Disconnect every client, spread evenly over `windowMs`, so a node leaving a
 * cluster does not send all its clients to the other nodes in the same second
 * (a reconnect storm). Sessions stay in Redis for them to resume elsewhere.
 */
export async function drainClients (aedes: any, windowMs: number, isStopped: () => boolean = () => false): Promise<number> {
  const clients = Object.values(aedes.clients ?? {}) as any[]
  if (clients.length === 0) return 0
  const gapMs = windowMs / clients.length
  const started = Date.now()
  let done = 0
  for (const [i, client] of clients.entries()) {
    const due = started + i * gapMs
    const wait = due - Date.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    if (isStopped()) break
    if (client.closed) continue
    await new Promise<void>((resolve) => client.disconnect({ reasonCode: SERVER_SHUTTING_DOWN }, () => resolve()))
    done++
  }
  return done
}
