/**
 * Linux's /proc/net/tcp and /proc/net/tcp6: every TCP socket of the reading
 * process's network namespace, with the inode that ties it to a process's fd.
 * Addresses are hex in host byte order per 32-bit word (little-endian on
 * x86 and ARM); ports are big-endian hex.
 */
export interface ProcTcpSocket {
  address: string
  port: number
  /** 0A is LISTEN (include/net/tcp_states.h). */
  state: string
  inode: string
}

export const TCP_LISTEN = '0A'

export function parseProcNetTcp (text: string): ProcTcpSocket[] {
  const out: ProcTcpSocket[] = []
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/)
    const local = cols[1]
    const state = cols[3]
    const inode = cols[9]
    if (!local || !state || !inode) continue
    const [hexAddr, hexPort] = local.split(':')
    if (!hexAddr || !hexPort) continue
    out.push({ address: decodeAddress(hexAddr), port: parseInt(hexPort, 16), state, inode })
  }
  return out
}

function decodeAddress (hex: string): string {
  const words = hex.match(/.{8}/g) ?? []
  // Each 32-bit word is stored little-endian: reverse its bytes.
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)))
  if (bytes.length === 4) return bytes.join('.')
  if (bytes.length === 12 + 4 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`
  }
  const groups: string[] = []
  for (let i = 0; i < bytes.length; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16))
  return compressIpv6(groups)
}

/** RFC 5952: the longest run of two or more zero groups becomes `::`. */
function compressIpv6 (groups: string[]): string {
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== '0') { i++; continue }
    let j = i
    while (j < groups.length && groups[j] === '0') j++
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i }
    i = j
  }
  if (bestStart < 0) return groups.join(':')
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`
}
