import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { getFreePort } from './free-port.js'
import { spawnTracked, type SpawnedProcess } from './processes.js'
import { startRedis, redisPing, type RedisServer } from './redis-server.js'
import { waitFor } from './wait-for.js'

const run = promisify(execFile)

export interface RedisSentinelSet {
  masterName: string
  primary: RedisServer
  replica: RedisServer
  /** `127.0.0.1:port` of each sentinel, for --redis-sentinels. */
  sentinels: string[]
  /** Ask a sentinel which port the primary is on now. */
  primaryPort: () => Promise<number>
  stop: () => Promise<void>
}

export interface RedisSentinelOptions {
  masterName?: string
  sentinels?: number
  /** A primary silent this long is down (sentinel down-after-milliseconds). */
  downAfterMs?: number
  failoverTimeoutMs?: number
}

/**
 * A real Redis Sentinel deployment on loopback: one primary, one replica and
 * `sentinels` redis-sentinel processes (Debian's), quorum = majority. Their
 * config files go to a temp dir (sentinel rewrites its own file). Resolves
 * once every sentinel knows the replica and the other sentinels, so a
 * failover can actually happen.
 */
export async function startRedisSentinelSet (opts: RedisSentinelOptions = {}): Promise<RedisSentinelSet> {
  const masterName = opts.masterName ?? 'siar'
  const count = opts.sentinels ?? 3
  const dir = mkdtempSync(join(tmpdir(), 'siar-sentinel-'))
  const primary = await startRedis()
  const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] })
  const procs: SpawnedProcess[] = []
  const ports: number[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(procs.map((p) => p.stop()))
    await Promise.all([primary.stop(), replica.stop()])
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < count; i++) {
      const port = await getFreePort()
      const file = join(dir, `sentinel-${port}.conf`)
      writeFileSync(file, [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${primary.port} ${Math.floor(count / 2) + 1}`,
        `sentinel down-after-milliseconds ${masterName} ${opts.downAfterMs ?? 1_000}`,
        `sentinel failover-timeout ${masterName} ${opts.failoverTimeoutMs ?? 3_000}`,
        `sentinel parallel-syncs ${masterName} 1`,
        ''
      ].join('\n'))
      procs.push(spawnTracked('redis-sentinel', [file]))
      ports.push(port)
    }
    await waitFor(async () => (await Promise.all(ports.map((p) => redisPing(p)))).every(Boolean), 'sentinels to answer', 10_000, 50)
    await waitFor(async () => {
      const views = await Promise.all(ports.map(async (port) => {
        const replicas = await cli(port, 'SENTINEL', 'replicas', masterName)
        const others = await cli(port, 'SENTINEL', 'sentinels', masterName)
        return replicas.includes(String(replica.port)) && countOf(others, 'runid') === count - 1
      }))
      return views.every(Boolean)
    }, 'sentinels to discover the replica and each other', 20_000, 200)
  } catch (err) {
    await stop()
    throw err
  }
  return {
    masterName,
    primary,
    replica,
    sentinels: ports.map((p) => `127.0.0.1:${p}`),
    primaryPort: async () => Number((await cli(ports[0]!, 'SENTINEL', 'get-master-addr-by-name', masterName)).split('\n')[1]),
    stop
  }
}

async function cli (port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args])
  return stdout.trim()
}

function countOf (text: string, word: string): number {
  return text.split('\n').filter((l) => l.trim() === word).length
}
