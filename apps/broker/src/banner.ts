import type { Broker } from '@siar/core'

const LABELS: Record<string, string> = { mqtt: 'MQTT     ', ws: 'WebSocket', http: 'HTTP     ', mqtts: 'MQTT+TLS ', wss: 'WSS      ' }

/** The one short banner a person sees on start: version, mode, where to connect. */
export function formatBanner (broker: Broker): string {
  const mode = broker.backplane.kind === 'memory' ? 'single node, in-memory' : `cluster node ${broker.nodeId}, ${broker.backplane.kind}`
  const lines = [`siar ${broker.version} (${mode})`]
  for (const l of broker.listeners) {
    const extra = l.kind === 'http' ? `   (explorer: ${l.url}/  health: ${l.url}/healthz)` : ''
    lines.push(`  ${LABELS[l.kind] ?? l.kind}  ${l.url}${extra}`)
  }
  if (broker.listeners.length === 0) lines.push('  no listeners enabled')
  const { auth, allowAnonymous } = broker.options
  // Mirrors the policy in core's access control: a password file turns anonymous off.
  const anonymous = allowAnonymous
    ? 'anonymous clients allowed'
    : auth.passwordFile !== undefined ? 'password required' : 'anonymous clients allowed on loopback only'
  lines.push(`  ${anonymous}; stop with Ctrl+C`)
  return lines.join('\n') + '\n'
}
