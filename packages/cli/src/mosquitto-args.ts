/**
 * mosquitto_pub/sub take MQTT 5 properties as `-D <command> <name> <value>`,
 * and user properties as `-D <command> user-property <key> <value>`: a flag
 * with three or four words, which no option parser models. We fold each into
 * one `--property` token (`command|name|value...`) before parsing.
 */
export function foldPropertyFlags (argv: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg !== '-D' && arg !== '--property') {
      out.push(arg)
      continue
    }
    const command = argv[i + 1]
    const name = argv[i + 2]
    if (command === undefined || name === undefined) {
      out.push(arg, ...argv.slice(i + 1))
      break
    }
    const words = name === 'user-property' ? 2 : 1
    const values = argv.slice(i + 3, i + 3 + words)
    out.push('--property', [command, name, ...values].join('\u0000'))
    i += 2 + words
  }
  return out
}

export interface FoldedProperty {
  command: string
  name: string
  values: string[]
}

export function unfoldProperty (token: string): FoldedProperty {
  const [command = '', name = '', ...values] = token.split('\u0000')
  return { command: command.toLowerCase(), name: name.toLowerCase(), values }
}

/** mosquitto's -V accepts 5, 311, 31 and the mqttv5 / mqttv311 / mqttv31 spellings. */
export function parseProtocolVersion (value: string): 3 | 4 | 5 {
  const v = value.toLowerCase().replace(/^mqttv/, '')
  if (v === '5') return 5
  if (v === '311' || v === '4') return 4
  if (v === '31' || v === '3') return 3
  throw new Error(`-V must be 5, 311 or 31, got ${JSON.stringify(value)}`)
}
