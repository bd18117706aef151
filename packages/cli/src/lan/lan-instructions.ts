import { urlHost, type LanAddress } from './lan-addresses.js'

export type LanAuth =
  | { kind: 'generated', username: string, password: string, credentialsFile: string }
  | { kind: 'password-file', file: string }
  | { kind: 'anonymous' }

export interface LanInstructionsInput {
  addresses: LanAddress[]
  mqttPort?: number
  ws?: { port: number, path: string }
  httpPort?: number
  auth: LanAuth
}

/** The topic the examples publish to; the same one examples/ and the guides use. */
export const EXAMPLE_TOPIC = 'sensors/esp32-1/temp'

/**
 * What `siar start --lan` prints for a person: where to connect, with what
 * login, and three lines for each of the clients a class usually has.
 */
export function formatLanInstructions (input: LanInstructionsInput): string {
  const { addresses, auth } = input
  const port = input.mqttPort ?? 1883
  const lines: string[] = ['', 'LAN mode: devices on your network can connect to this computer.']
  if (addresses.length === 0) {
    lines.push('  This computer has no network address yet: join the Wi-Fi (or plug in a cable) and start again.')
  } else {
    lines.push('  Use the address on the same network as your device:')
    const width = Math.max(...addresses.map((a) => a.iface.length))
    for (const a of addresses) {
      const host = urlHost(a.address)
      const ws = input.ws ? `   ws://${host}:${input.ws.port}${input.ws.path}` : ''
      lines.push(`    ${a.iface.padEnd(width)}  mqtt://${host}:${port}${ws}`)
    }
  }
  const user = auth.kind === 'generated' ? auth.username : auth.kind === 'password-file' ? '<user>' : undefined
  const pass = auth.kind === 'generated' ? auth.password : auth.kind === 'password-file' ? '<password>' : undefined
  if (auth.kind === 'generated') {
    lines.push(`  Username: ${auth.username}`, `  Password: ${auth.password}`,
      `  (kept in ${auth.credentialsFile}; delete that file to get a new password)`)
  } else if (auth.kind === 'password-file') {
    lines.push(`  Log in with a user from ${auth.file} (add one: siar passwd ${shellQuote(auth.file)} <user>)`)
  } else {
    lines.push('  WARNING: --allow-anonymous: anyone on this network can connect, read and publish.')
  }
  if (input.httpPort) lines.push(`  Watch the messages: http://127.0.0.1:${input.httpPort}/`)

  const host = addresses.find((a) => a.family === 'IPv4')?.address ?? addresses[0]?.address ?? '<address>'
  const login = user !== undefined && pass !== undefined
  // Placeholders (<user>) stay readable; a real password is quoted for the shell.
  const q = auth.kind === 'generated' ? shellQuote : (s: string): string => s
  lines.push('', '  mosquitto_pub:',
    `    mosquitto_pub -h ${host} -p ${port} \\`,
    login ? `      -u ${q(user)} -P ${q(pass)} \\` : '      -i laptop-1 \\',
    `      -t ${EXAMPLE_TOPIC} -m 21.5`)
  lines.push('', '  ESP32 / ESP8266 (PubSubClient), after WiFi.begin(...):',
    '    WiFiClient wifi; PubSubClient mqtt(wifi);',
    `    mqtt.setServer(${cString(host)}, ${port});`,
    `    if (mqtt.connect("esp32-1"${login ? `, ${cString(user)}, ${cString(pass)}` : ''})) mqtt.publish(${cString(EXAMPLE_TOPIC)}, "21.5");`)
  lines.push('', '  Python (paho-mqtt):',
    '    import paho.mqtt.publish as publish',
    `    publish.single(${pyString(EXAMPLE_TOPIC)}, "21.5", hostname=${pyString(host)}, port=${port},`,
    login ? `                   auth={"username": ${pyString(user)}, "password": ${pyString(pass)}})` : '                   client_id="laptop-1")')
  const doctorLogin = login ? ` -u ${q(user)} -P ${q(pass)}` : ''
  lines.push('', `  A device cannot connect? Run: siar doctor mqtt://127.0.0.1:${port}${doctorLogin}`, '')
  return lines.join('\n')
}

function shellQuote (s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`
}

function cString (s: string): string {
  return JSON.stringify(s)
}

function pyString (s: string): string {
  return JSON.stringify(s)
}
