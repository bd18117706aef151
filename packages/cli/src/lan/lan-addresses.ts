import { createServer } from 'node:net'
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os'

export interface LanAddress {
  /** Interface name as the OS reports it (wlan0, en0, Wi-Fi). */
  iface: string
  address: string
  family: 'IPv4' | 'IPv6'
}

/**
 * Every non-loopback address a device on the LAN could use to reach this
 * machine, IPv4 first (what ESP32 sketches and most phones use).
 * IPv6 link-local addresses (fe80::/10) are left out: they only work with a
 * zone id (`%wlan0`) that microcontroller libraries and URLs cannot carry.
 */
export function listLanAddresses (interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): LanAddress[] {
  const out: LanAddress[] = []
  for (const [iface, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      if (info.internal) continue
      if (info.family === 'IPv6' && /^fe[89ab]/i.test(info.address)) continue
      out.push({ iface, address: info.address, family: info.family })
    }
  }
  return out.sort((a, b) => (a.family === b.family ? 0 : a.family === 'IPv4' ? -1 : 1))
}

/** An address as it goes in a URL: IPv6 in brackets (RFC 3986 §3.2.2). */
export function urlHost (address: string): string {
  return address.includes(':') ? `[${address}]` : address
}

/**
 * `::` accepts IPv4 and IPv6 on one socket on Linux, macOS and Windows
 * (IPV6_V6ONLY off is Node's default). A machine with IPv6 switched off
 * cannot bind it, so fall back to 0.0.0.0 there.
 */
export async function allInterfacesHost (): Promise<'::' | '0.0.0.0'> {
  return await new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve('0.0.0.0'))
    probe.listen({ host: '::', port: 0 }, () => probe.close(() => resolve('::')))
  })
}
