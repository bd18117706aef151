import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { parseProcNetTcp, TCP_LISTEN } from './proc-net-tcp.js'
import { runCommand } from './run-command.js'

export interface ListeningSocket {
  /** Local address the socket is bound to: 0.0.0.0 / :: mean every interface. */
  address: string
  pid?: number
  /** Program name as the OS reports it; `siar` for a node process running siar. */
  program?: string
}

export interface ListenersReport {
  /** False when this OS gave no way to look (the check then says so). */
  supported: boolean
  sockets: ListeningSocket[]
}

/**
 * Which local addresses listen on `port`, and which program holds each.
 * Linux: /proc/net/tcp{,6} and the fd links under /proc (names need the
 * same user or root), then `ss -ltnp` for what /proc did not tell;
 * macOS: lsof; Windows: netstat -ano and tasklist.
 */
export async function findListeners (port: number, platform: NodeJS.Platform = process.platform): Promise<ListenersReport> {
  if (platform === 'linux') return await linuxListeners(port)
  if (platform === 'darwin') return await lsofListeners(port)
  if (platform === 'win32') return await windowsListeners(port)
  return { supported: false, sockets: [] }
}

async function linuxListeners (port: number): Promise<ListenersReport> {
  const found: Array<ListeningSocket & { inode: string }> = []
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try { text = readFileSync(file, 'utf8') } catch { continue }
    for (const s of parseProcNetTcp(text)) {
      if (s.state === TCP_LISTEN && s.port === port) found.push({ address: s.address, inode: s.inode })
    }
  }
  if (found.length === 0) return { supported: true, sockets: [] }
  const owners = socketOwners(new Set(found.map((s) => s.inode)))
  const sockets = found.map(({ inode, ...s }) => ({ ...s, ...owners.get(inode) }))
  if (sockets.some((s) => s.pid === undefined)) {
    const ss = parseSsUsers((await runCommand('ss', ['-ltnpH', `sport = :${port}`])).stdout)
    for (const s of sockets) if (s.pid === undefined && ss[0]) Object.assign(s, ss[0])
  }
  return { supported: true, sockets }
}

/** inode → owning process, by reading every /proc/<pid>/fd/* link (socket:[inode]). */
function socketOwners (inodes: Set<string>): Map<string, { pid: number, program: string }> {
  const owners = new Map<string, { pid: number, program: string }>()
  let pids: string[]
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)) } catch { return owners }
  for (const pid of pids) {
    let fds: string[]
    try { fds = readdirSync(`/proc/${pid}/fd`) } catch { continue }
    for (const fd of fds) {
      let link: string
      try { link = readlinkSync(`/proc/${pid}/fd/${fd}`) } catch { continue }
      const m = /^socket:\[(\d+)\]$/.exec(link)
      if (m?.[1] && inodes.has(m[1]) && !owners.has(m[1])) owners.set(m[1], { pid: Number(pid), program: linuxProgramName(pid) })
    }
    if (owners.size === inodes.size) break
  }
  return owners
}

function linuxProgramName (pid: string): string {
  let comm = ''
  try { comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim() } catch { return 'unknown' }
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    if (/^node/.test(comm) && argv.some((a) => /(^|[/\\])siar(\.js)?$/.test(a))) return 'siar'
  } catch { /* the name from comm is enough */ }
  return comm
}

/** `users:(("mosquitto",pid=812,fd=5))` in `ss -ltnp` output. */
export function parseSsUsers (text: string): Array<{ pid: number, program: string }> {
  const out: Array<{ pid: number, program: string }> = []
  for (const m of text.matchAll(/\("([^"]+)",pid=(\d+)/g)) out.push({ program: m[1] as string, pid: Number(m[2]) })
  return out
}

async function lsofListeners (port: number): Promise<ListenersReport> {
  const res = await runCommand('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpcn'])
  if (!res.found) return { supported: false, sockets: [] }
  return { supported: true, sockets: parseLsof(res.stdout) }
}

/** lsof -F output: `p<pid>`, `c<command>`, then one `n<address>:<port>` per socket. */
export function parseLsof (text: string): ListeningSocket[] {
  const out: ListeningSocket[] = []
  let pid: number | undefined
  let program: string | undefined
  for (const line of text.split('\n')) {
    if (line.startsWith('p')) pid = Number(line.slice(1))
    else if (line.startsWith('c')) program = line.slice(1)
    else if (line.startsWith('n')) {
      const addr = line.slice(1).replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
      out.push({ address: addr === '*' ? '0.0.0.0' : addr, ...(pid !== undefined ? { pid } : {}), ...(program ? { program } : {}) })
    }
  }
  return out
}

async function windowsListeners (port: number): Promise<ListenersReport> {
  const res = await runCommand('netstat', ['-ano', '-p', 'TCP'])
  const res6 = await runCommand('netstat', ['-ano', '-p', 'TCPv6'])
  if (!res.found) return { supported: false, sockets: [] }
  const sockets = parseNetstat(res.stdout + '\n' + res6.stdout, port)
  for (const s of sockets) {
    if (s.pid === undefined) continue
    const task = await runCommand('tasklist', ['/FI', `PID eq ${s.pid}`, '/FO', 'CSV', '/NH'])
    const name = /^"([^"]+)"/.exec(task.stdout.trim())?.[1]
    if (name) s.program = name.replace(/\.exe$/i, '')
  }
  return { supported: true, sockets }
}

/** `  TCP    0.0.0.0:1883    0.0.0.0:0    LISTENING    4242` */
export function parseNetstat (text: string, port: number): ListeningSocket[] {
  const out: ListeningSocket[] = []
  for (const line of text.split(/\r?\n/)) {
    const cols = line.trim().split(/\s+/)
    if (cols[0] !== 'TCP' || cols[3] !== 'LISTENING') continue
    const local = cols[1] ?? ''
    const at = local.lastIndexOf(':')
    if (Number(local.slice(at + 1)) !== port) continue
    out.push({ address: local.slice(0, at).replace(/^\[|\]$/g, ''), pid: Number(cols[4]) })
  }
  return out
}
