/** A saved connection: everything the connect form holds. */
export interface ConnectionProfile {
  name: string
  /** ws:// or wss:// URL the browser connects to (a relay URL under `siar explore`). */
  url: string
  clientId: string
  username: string
  /** Kept in storage only when `savePassword` is ticked. */
  password: string
  savePassword: boolean
  /** 4 = MQTT 3.1.1, 5 = MQTT 5. */
  protocolVersion: 4 | 5
  subscriptions: Array<{ filter: string, qos: 0 | 1 | 2 }>
}

const STORAGE_KEY = 'siar-explorer.profiles.v1'

/**
 * `#` misses `$SYS` topics [MQTT-4.7.2-1], so the broker panel needs its own
 * filter. QoS 2 on `#`: messages arrive at the lower of publish and subscription
 * QoS [MQTT-3.8.4-8], and the page should show the QoS they were published with.
 */
export const DEFAULT_SUBSCRIPTIONS: ConnectionProfile['subscriptions'] = [
  { filter: '#', qos: 2 },
  { filter: '$SYS/#', qos: 0 }
]

export function randomClientId (): string {
  return `siar-explorer-${Math.random().toString(16).slice(2, 10)}`
}

export function loadProfiles (storage: Storage = localStorage): ConnectionProfile[] {
  try {
    const raw = storage.getItem(STORAGE_KEY)
    const list = raw ? JSON.parse(raw) as ConnectionProfile[] : []
    return Array.isArray(list) ? list.filter((p) => typeof p?.name === 'string' && typeof p?.url === 'string') : []
  } catch {
    return []
  }
}

/** Save (or replace by name); the password is stripped unless the user asked to keep it. */
export function saveProfile (profile: ConnectionProfile, storage: Storage = localStorage): ConnectionProfile[] {
  const stored: ConnectionProfile = { ...profile, password: profile.savePassword ? profile.password : '' }
  const list = loadProfiles(storage).filter((p) => p.name !== profile.name)
  list.push(stored)
  list.sort((a, b) => a.name.localeCompare(b.name))
  storage.setItem(STORAGE_KEY, JSON.stringify(list))
  return list
}

export function deleteProfile (name: string, storage: Storage = localStorage): ConnectionProfile[] {
  const list = loadProfiles(storage).filter((p) => p.name !== name)
  storage.setItem(STORAGE_KEY, JSON.stringify(list))
  return list
}

/** "sensors/#, $SYS/# @1" ⇄ subscription list: one filter per line, optional "@qos". */
export function parseSubscriptions (text: string): ConnectionProfile['subscriptions'] {
  return text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = /^(.*?)\s*@([012])$/.exec(s)
    return m ? { filter: m[1] as string, qos: Number(m[2]) as 0 | 1 | 2 } : { filter: s, qos: 0 as const }
  })
}

export function formatSubscriptions (subs: ConnectionProfile['subscriptions']): string {
  return subs.map((s) => (s.qos ? `${s.filter} @${s.qos}` : s.filter)).join('\n')
}
