import { isLoopbackAddress } from '@siar/core'
import { fail, info, pass, type CheckResult } from './check-result.js'
import type { ListenersReport, ListeningSocket } from './listening-sockets.js'
import type { RoundTripResult } from './mqtt-round-trip.js'

/** The words a person needs next to a bound address. */
export function describeAddresses (sockets: ListeningSocket[]): string {
  const names = [...new Set(sockets.map((s) => s.address))].map((a) => {
    if (a === '::') return ':: (every interface)'
    if (a === '0.0.0.0') return '0.0.0.0 (every IPv4 interface)'
    if (isLoopbackAddress(a)) return `${a} (this computer only)`
    return a
  })
  return names.join(', ')
}

export function explainUnreachable (where: string, error: string | undefined, local: boolean): [string, string] {
  if (error === 'ECONNREFUSED') {
    return [`nothing is listening on ${where}`, local
      ? 'start the broker: siar start (siar start --lan for devices on your network), or check the port number'
      : 'check the address and port, and that the broker runs on that computer and listens on its network (siar start --lan)']
  }
  if (error === 'ETIMEDOUT') return [`no answer from ${where} within the timeout`, 'the address is wrong or a firewall drops the connection; check both']
  if (error === 'EHOSTUNREACH' || error === 'ENETUNREACH') return [`${where} cannot be reached (${error})`, 'this computer and the broker are not on the same network; check the Wi-Fi and the address']
  if (error === 'ENOTFOUND' || error === 'EAI_AGAIN') return [`the host name in ${where} does not resolve`, 'use the IP address that siar start --lan prints']
  return [`cannot connect to ${where} (${error ?? 'unknown error'})`, 'check the address and port']
}

function ownerName (s: ListeningSocket): string {
  return `${s.program ?? 'a program'}${s.pid !== undefined ? ` (pid ${s.pid})` : ''}`
}

/** Who holds the port; a failure when that program does not speak MQTT. */
export function describeOwners (port: number, sockets: ListeningSocket[], roundTrip: RoundTripResult | undefined): CheckResult {
  const named = sockets.filter((s) => s.program !== undefined)
  const owners = [...new Set(named.map(ownerName))].join(', ')
  if (roundTrip && !roundTrip.ok && (roundTrip.kind === 'mqtt' || roundTrip.kind === 'timeout') && roundTrip.stage === 'connect') {
    return fail(`port ${port} is taken by ${owners || 'another program'}, which does not answer MQTT`,
      `stop that program, or start siar on another port: siar start --port ${port + 1} (and use that port on your devices)`)
  }
  if (named.length === 0) return info(`cannot tell which program holds port ${port}`, 'run siar doctor with sudo (or as administrator) to see it')
  return pass(`port ${port} is held by ${owners}`)
}

export function explainLanFailure (url: string, error: string | undefined, listeners: ListenersReport): [string, string] {
  const bound = listeners.sockets.map((s) => s.address)
  if (bound.length > 0 && bound.every((a) => isLoopbackAddress(a))) {
    return [`not reachable at ${url}: the broker listens on ${bound.join(', ')} only`, 'restart it for the network: siar start --lan']
  }
  if (error === 'ETIMEDOUT') return [`no answer at ${url} within the timeout`, 'a firewall on this computer likely drops it (see the firewall line)']
  return [`not reachable at ${url} (${error ?? 'unknown error'})`, 'start the broker with siar start --lan so it listens on every interface']
}

/** CONNACK return codes of MQTT 3.1.1 [MQTT-3.2.2.3] and their MQTT 5 equivalents. */
const RETURN_CODES: Record<number, string> = {
  1: 'unacceptable protocol version', 2: 'client identifier rejected', 3: 'server unavailable',
  4: 'bad user name or password', 5: 'not authorized', 0x86: 'bad user name or password', 0x87: 'not authorized'
}

export function explainRoundTrip (result: RoundTripResult | undefined, username: string | undefined, credentialsFile?: string): CheckResult {
  if (!result) return info('publish/subscribe not tried')
  const who = username !== undefined ? `user ${username}` : 'an anonymous client'
  if (result.ok) return pass(`publish/subscribe round trip works as ${who} (QoS 1, ${result.ms} ms)`)
  const rc = result.returnCode !== undefined ? ` (CONNACK ${result.returnCode}: ${RETURN_CODES[result.returnCode] ?? 'refused'})` : ''
  if (result.kind === 'auth' && username === undefined) {
    return fail(`the broker refused ${who}${rc}`, 'it wants a login: add -u USER -P PASSWORD (siar start --lan prints them)')
  }
  if (result.kind === 'auth') {
    const where = credentialsFile ? `; the LAN login is kept in ${credentialsFile}` : ''
    return fail(`the broker refused the login of ${who}${rc}`, `check the username and password given with -u and -P (siar start --lan prints them${where})`)
  }
  if (result.kind === 'refused') return fail(`the broker refused the connection${rc}`, 'see the broker log for why')
  if (result.kind === 'mqtt' && result.stage === 'connect') return fail(`the port does not answer MQTT (${result.detail})`, 'is this the MQTT port? siar uses 1883 for MQTT, 8083 for WebSocket, 18083 for HTTP')
  if (result.kind === 'timeout' && result.stage === 'connect') return fail(`the broker did not answer CONNECT (${result.detail})`, 'it is overloaded, or this is not an MQTT port')
  if (result.stage !== 'connect') return fail(`publish/subscribe as ${who} failed: ${result.detail}`, 'check the ACL file: this user needs read and write on siar-doctor/#')
  return fail(`cannot connect over MQTT: ${result.detail}`, 'check the address and port')
}
