import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:net'
import { getFreePort, spawnTracked, waitFor, type SpawnedProcess } from '@siar/testing'

export interface Mosquitto {
  port: number
  url: string
  /** Start (again) on the same port, with the same persistence directory. */
  start: () => Promise<void>
  stop: () => Promise<void>
  cleanup: () => Promise<void>
}

/**
 * A real Debian Mosquitto on a free loopback port, anonymous, with
 * persistence in a temporary directory so sessions and queued messages
 * survive a restart (written on a clean stop).
 */
export async function startMosquitto (): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'siar-mosquitto-'))
  const port = await getFreePort()
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    // Started as root, Mosquitto would switch to its own user and could not write the temp dir.
    `user ${userInfo().username}`,
    'persistence true',
    `persistence_location ${dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    ''
  ].join('\n'))
  let proc: SpawnedProcess | undefined
  const start = async (): Promise<void> => {
    const p = spawnTracked('mosquitto', ['-c', conf])
    proc = p
    await waitFor(async () => {
      if (p.child.exitCode !== null) throw new Error(`mosquitto exited: ${p.output()}`)
      return await canConnect(port)
    }, `mosquitto on port ${port}`, 10_000, 25)
  }
  const stop = async (): Promise<void> => {
    await proc?.stop('SIGTERM')
    proc = undefined
  }
  await start()
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    start,
    stop,
    cleanup: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

function canConnect (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' })
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => { s.destroy(); resolve(false) })
  })
}
