import { networkInterfaces } from 'node:os'
import { isLoopbackAddress } from '@siar/core'
import { listLanAddresses, urlHost } from '../lan/lan-addresses.js'
import { fail, info, pass, type CheckResult } from './check-result.js'
import { checkFirewall } from './firewall.js'
import { findListeners, type ListenersReport } from './listening-sockets.js'
import { mqttRoundTrip, type RoundTripResult } from './mqtt-round-trip.js'
import { probeHttp, probeTcp, probeWebSocket } from './probes.js'
import { describeAddresses, describeOwners, explainLanFailure, explainRoundTrip, explainUnreachable } from './explain.js'

export const DEFAULT_DOCTOR_URL = 'mqtt://127.0.0.1:1883'
/** siar's own defaults; doctor checks them unless told other ports. */
export { DEFAULT_WS_PORT, DEFAULT_HTTP_PORT } from '@siar/core'
export const DEFAULT_DOCTOR_TIMEOUT_MS = 3_000

export interface DoctorInput {
  protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss'
  host: string
  port: number
  path?: string
  username?: string
  password?: string
  /** Replaces the machine's own address list (tests, or one interface of many). */
  lanAddresses?: string[]
  /** `explicit`: given by the user, so a closed port fails instead of being skipped. */
  ws: { port: number, path: string, explicit: boolean }
  http: { port: number, explicit: boolean }
  timeoutMs: number
  insecure?: boolean
  /** Where the plain LAN password is kept, for the fix text. */
  credentialsFile?: string
}

/**
 * Every check, in the order a person would fix things: is anything there,
 * who holds the port, can the LAN reach it, does MQTT work with this login,
 * are the other ports up, is a firewall in the way.
 */
export async function runDoctor (input: DoctorInput, emit: (check: CheckResult) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  const report = (check: CheckResult): void => { results.push(check); emit(check) }
  const local = isThisMachine(input.host, input.lanAddresses)
  const where = `${urlHost(input.host)}:${input.port}`

  const tcp = await probeTcp(input.host, input.port, input.timeoutMs)
  const listeners: ListenersReport = local ? await findListeners(input.port) : { supported: false, sockets: [] }
  if (!tcp.ok) {
    report(fail(...explainUnreachable(where, tcp.error, local)))
  } else {
    const on = listeners.sockets.length > 0 ? `, bound to ${describeAddresses(listeners.sockets)}` : ''
    report(pass(`${where} accepts connections${on}`))
  }

  let roundTrip: RoundTripResult | undefined
  if (tcp.ok) {
    roundTrip = await mqttRoundTrip({
      protocol: input.protocol, host: input.host, port: input.port, timeoutMs: input.timeoutMs,
      ...(input.path ? { path: input.path } : {}),
      ...(input.username !== undefined ? { username: input.username } : {}),
      ...(input.password !== undefined ? { password: input.password } : {}),
      ...(input.insecure ? { insecure: true } : {})
    })
    if (listeners.sockets.length > 0) report(describeOwners(input.port, listeners.sockets, roundTrip))

    if (local) {
      const lan = input.lanAddresses ?? listLanAddresses(networkInterfaces()).map((a) => a.address)
      if (lan.length === 0) report(info('this computer has no LAN address, so devices cannot reach it', 'join the Wi-Fi or plug in a cable'))
      const probes = await Promise.all(lan.map(async (address) => ({ address, probe: await probeTcp(address, input.port, input.timeoutMs) })))
      for (const { address, probe } of probes) {
        const url = `mqtt://${urlHost(address)}:${input.port}`
        report(probe.ok ? pass(`reachable on the LAN at ${url}`) : fail(...explainLanFailure(url, probe.error, listeners)))
      }
    } else {
      report(info(`LAN checks skipped: ${input.host} is not this computer`, 'run siar doctor on the machine that runs the broker to check its LAN addresses'))
    }
    report(explainRoundTrip(roundTrip, input.username, input.credentialsFile))
  } else {
    report(info('skipped the LAN and publish/subscribe checks: there is no broker to test'))
  }

  const webHost = urlHost(input.host)
  const http = input.http.port > 0 ? await probeHttp(`http://${webHost}:${input.http.port}/healthz`, input.timeoutMs) : undefined
  const ws = input.ws.port > 0 ? await probeWebSocket(`ws://${webHost}:${input.ws.port}${input.ws.path}`, input.timeoutMs) : undefined
  // Without flags, a closed siar default port on a broker that is not siar is not a fault.
  const siarLike = http !== undefined && (http.ok || http.status !== undefined)
  if (ws !== undefined) {
    const url = `ws://${webHost}:${input.ws.port}${input.ws.path}`
    if (ws.ok) report(pass(`WebSocket MQTT is up at ${url}`))
    else if (input.ws.explicit || siarLike) report(fail(`no WebSocket MQTT at ${url} (${ws.error ?? 'no answer'})`, 'start siar with a WebSocket port (siar start --ws-port 8083), or give doctor the right one with --ws-port/--ws-path'))
    else report(info(`no WebSocket listener on port ${input.ws.port} (siar's default)`, 'not a siar broker? give --ws-port N to check another port, or --ws-port 0 to skip'))
  }
  if (http !== undefined) {
    const url = `http://${webHost}:${input.http.port}`
    if (http.ok) report(pass(`HTTP is up at ${url} (health: ${http.status ?? 200})`))
    else if (http.status !== undefined) report(fail(`HTTP at ${url} answers /healthz with ${http.status}`, 'the broker is not ready; look at its log'))
    else if (input.http.explicit) report(fail(`nothing answers HTTP at ${url} (${http.error ?? 'no answer'})`, 'start siar with an HTTP port (siar start --http-port 18083), or give doctor the right one with --http-port'))
    else report(info(`no HTTP listener on port ${input.http.port} (siar's default)`, 'not a siar broker? give --http-port N to check another port, or --http-port 0 to skip'))
  }

  if (local) {
    const ports = [input.port, ...(ws?.ok ? [input.ws.port] : [])]
    report(await checkFirewall([...new Set(ports)]))
  }
  return results
}

/** Loopback, an unspecified address, or one of this machine's own addresses. */
export function isThisMachine (host: string, lanAddresses?: string[]): boolean {
  if (host === 'localhost' || isLoopbackAddress(host) || host === '0.0.0.0' || host === '::') return true
  if (lanAddresses?.includes(host)) return true
  return Object.values(networkInterfaces()).some((infos) => infos?.some((i) => i.address === host))
}
