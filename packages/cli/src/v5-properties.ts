import type { PublishProperties } from '@siar/client'
import { unfoldProperty } from './mosquitto-args.js'
import { CliError, ExitCodes } from './output.js'

/**
 * `-D publish <name> <value>` tokens (mosquitto's spelling) to typed PUBLISH
 * properties. Properties for other packets are refused by name.
 */
export function publishPropertiesFromFlags (tokens: string[]): PublishProperties | undefined {
  if (tokens.length === 0) return undefined
  const props: PublishProperties = {}
  const user: Record<string, string | string[]> = {}
  for (const token of tokens) {
    const { command, name, values } = unfoldProperty(token)
    if (command !== 'publish') {
      throw new CliError(`-D ${command} ${name}: only PUBLISH properties are supported here (-D publish <name> <value>)`, ExitCodes.USAGE)
    }
    const value = values[0] ?? ''
    switch (name) {
      case 'user-property': {
        const v = values[1] ?? ''
        const existing = user[value]
        user[value] = existing === undefined ? v : [...(Array.isArray(existing) ? existing : [existing]), v]
        break
      }
      case 'content-type': props.contentType = value; break
      case 'response-topic': props.responseTopic = value; break
      case 'correlation-data': props.correlationData = Buffer.from(value); break
      case 'message-expiry-interval': props.messageExpiryInterval = nonNegative(name, value); break
      case 'payload-format-indicator': props.payloadFormatIndicator = value === '1' || value === 'true'; break
      default:
        throw new CliError(`-D publish ${name}: unknown property; use user-property, content-type, response-topic, correlation-data, message-expiry-interval or payload-format-indicator`, ExitCodes.USAGE)
    }
  }
  if (Object.keys(user).length > 0) props.userProperties = user
  return props
}

function nonNegative (name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new CliError(`-D publish ${name} needs a whole number of seconds, got ${JSON.stringify(value)}`, ExitCodes.USAGE)
  return Number(value)
}
