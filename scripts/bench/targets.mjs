// The brokers compare.mjs measures. Adding one is one entry: a name and a
// start(port) that resolves to { pids, stop } once it accepts MQTT on 127.0.0.1:port.
// `pids` are the processes whose memory and CPU count as the broker's (for a
// cluster: every node, and redis-server if its cost should count). A cluster
// also returns `nodePorts`, its other nodes' MQTT ports: `siar bench` then puts
// publishers and subscribers on different nodes (see `siar bench --node`).
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const SIAR = join(root, 'packages/cli/bin/siar.js')

export const TARGETS = [
  {
    name: 'siar (single node)',
    start: async (port) => spawnBroker(process.execPath, [SIAR, 'start', '--port', String(port), '--ws-port', String(await freePort()), '--http-port', String(await freePort())], port, { SIAR_LOG_LEVEL: 'warn' })
  },
  {
    name: 'plain aedes (in memory)',
    baseline: true,
    start: (port) => spawnBroker(process.execPath, [join(root, 'scripts/bench/aedes-plain.mjs'), String(port)], port)
  },
  {
    name: 'Mosquitto (Debian)',
    start: (port) => {
      const dir = mkdtempSync(join(tmpdir(), 'siar-bench-mosquitto-'))
      const conf = join(dir, 'mosquitto.conf')
      writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n`)
      return spawnBroker('mosquitto', ['-c', conf], port)
    }
  },
  {
    // Redis counts as part of the broker: its CPU and memory are in `pids`.
    name: 'plain aedes + Redis',
    start: async (port) => {
      const redis = await startRedis()
      try {
        const aedes = await spawnBroker(process.execPath, [join(root, 'scripts/bench/aedes-redis.mjs'), String(port), String(redis.port)], port)
        return { pids: [...aedes.pids, ...redis.pids], stop: async () => { await aedes.stop(); await redis.stop() } }
      } catch (err) {
        await redis.stop()
        throw err
      }
    }
  },
  {
    // siar's own Redis backplane; Redis counts as part of the broker.
    name: 'siar + Redis (1 node)',
    start: (port) => siarCluster([port])
  },
  {
    // Two nodes on one Redis: `siar bench` puts publishers and subscribers on different nodes.
    name: 'siar + Redis (2 nodes)',
    start: async (port) => siarCluster([port, await freePort()])
  }
]

/** `siar start --redis` on each port, one throwaway redis-server for all of them. */
async function siarCluster (ports) {
  const redis = await startRedis()
  const nodes = []
  const stop = async () => { await Promise.all(nodes.map((n) => n.stop())); await redis.stop() }
  try {
    for (const [i, port] of ports.entries()) {
      nodes.push(await spawnBroker(process.execPath, [SIAR, 'start', '--port', String(port), '--ws-port', String(await freePort()), '--http-port', String(await freePort()), '--redis', `redis://127.0.0.1:${redis.port}`, '--node-id', `bench-${i + 1}`], port, { SIAR_LOG_LEVEL: 'warn' }))
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { pids: [...nodes.flatMap((n) => n.pids), ...redis.pids], nodePorts: ports.slice(1), stop }
}

/** A throwaway redis-server on a free port, nothing saved to disk. */
export async function startRedis () {
  const port = await freePort()
  const server = await spawnBroker('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], port)
  return { port, ...server }
}

/** Start `command`, resolve once 127.0.0.1:port accepts TCP; reject if it exits first. */
export async function spawnBroker (command, args, port, env = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } })
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited early: ${stderr}`)
    if (await accepts(port)) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${command} did not listen on ${port} within 15 s: ${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    pids: [child.pid],
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
  }
}

function accepts (port) {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true) })
    s.once('error', () => resolve(false))
  })
}

export function freePort () {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}
