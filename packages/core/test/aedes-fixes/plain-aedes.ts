import net from 'node:net'
import { Aedes, type AedesOptions } from 'aedes'

/**
 * aedes 2.0.0-beta.1 with none of siar's fixes, on a free loopback port: the
 * "upstream still broken" canaries run the same scenario here and assert the
 * bug is still there. When one of them fails, upstream has fixed that gap and
 * the matching file in src/aedes-fixes/ can go.
 */
export interface PlainAedes {
  aedes: Aedes
  port: number
  mqttUrl: string
  close: () => Promise<void>
}

export async function startPlainAedes (opts: AedesOptions = {}): Promise<PlainAedes> {
  const aedes = await Aedes.createBroker(opts)
  const server = net.createServer((socket) => { aedes.handle(socket) })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as net.AddressInfo).port
  return {
    aedes,
    port,
    mqttUrl: `mqtt://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
