/**
 * Reading firewall state from the tools' own output. Each parser answers
 * "would a new TCP connection to this port from the LAN be let in?":
 * true, false, or undefined when the output does not say.
 */

/** `ufw status verbose`. */
export function ufwAllows (text: string, port: number): boolean | undefined {
  if (/^Status:\s*inactive/m.test(text)) return true
  if (!/^Status:\s*active/m.test(text)) return undefined
  if (/^Default:.*\ballow \(incoming\)/m.test(text)) return true
  // Rule lines: "1883/tcp   ALLOW IN   Anywhere", "1883   ALLOW   Anywhere (v6)", "1880:1890/tcp ALLOW IN ...".
  for (const line of text.split('\n')) {
    const m = /^(\d+)(?::(\d+))?(?:\/(tcp|udp))?\s+ALLOW\b/.exec(line.trim())
    if (!m || m[3] === 'udp') continue
    const from = Number(m[1])
    const to = m[2] ? Number(m[2]) : from
    if (port >= from && port <= to) return true
  }
  return false
}

/** `firewall-cmd --list-ports` and `--list-services` (firewalld ships an `mqtt` service for 1883). */
export function firewalldAllows (ports: string, services: string, port: number): boolean {
  const open = ports.split(/\s+/).some((p) => {
    const m = /^(\d+)(?:-(\d+))?\/tcp$/.exec(p)
    return m !== null && port >= Number(m[1]) && port <= Number(m[2] ?? m[1])
  })
  const named = services.split(/\s+/)
  return open || (port === 1883 && named.includes('mqtt')) || (port === 8883 && named.includes('secure-mqtt'))
}

/**
 * `nft list ruleset`: a chain hooked on input whose policy is drop, or that
 * ends in a bare drop/reject, blocks the port unless a rule names it in a
 * `tcp dport` match. Not a full evaluator: it is a "likely" for a person.
 */
export function nftAllows (text: string, port: number): boolean {
  const chains = text.split(/\bchain\s+\S+\s*\{/).slice(1)
  for (const chain of chains) {
    if (!/hook\s+input\b/.test(chain)) continue
    const dropsByPolicy = /policy\s+drop\b/.test(chain)
    const dropsAtEnd = /^\s*(drop|reject[^\n]*)\s*$/m.test(chain)
    if (!dropsByPolicy && !dropsAtEnd) continue
    if (!mentionsPort(chain, /dport\s+(\{[^}]*\}|\S+)/g, port)) return false
  }
  return true
}

/** `iptables -S INPUT`: `-P INPUT DROP` or a trailing `-j REJECT/DROP` with no ACCEPT for the port. */
export function iptablesAllows (text: string, port: number): boolean {
  const blocks = /^-P INPUT DROP\b/m.test(text) || /^-A INPUT(?:(?!--dport|-p ).)*-j (DROP|REJECT)\b/m.test(text)
  if (!blocks) return true
  return text.split('\n').some((line) => line.includes('-j ACCEPT') && mentionsPort(line, /--dports?\s+(\S+)/g, port))
}

/** Does any `dport` value (1883, 1880-1890, {1883, 8083}, 1880:1890) cover the port? */
function mentionsPort (text: string, pattern: RegExp, port: number): boolean {
  for (const m of text.matchAll(pattern)) {
    for (const item of (m[1] ?? '').replace(/[{}]/g, '').split(/[\s,]+/)) {
      const r = /^(\d+)(?:[-:](\d+))?$/.exec(item)
      if (r && port >= Number(r[1]) && port <= Number(r[2] ?? r[1])) return true
    }
  }
  return false
}
