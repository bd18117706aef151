/**
 * The MQTT 5 PUBLISH properties that describe the message itself and so cross
 * a bridge [MQTT-3.3.2]. Connection-bound ones stay behind: Topic Alias
 * (per connection), Subscription Identifier (per subscriber). Message Expiry
 * is left out as well: the remaining lifetime is not known once buffered.
 */
const CARRIED = ['payloadFormatIndicator', 'contentType', 'responseTopic', 'correlationData', 'userProperties'] as const

export function carriedProperties (properties: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!properties) return undefined
  let out: Record<string, unknown> | undefined
  for (const key of CARRIED) {
    const value = properties[key]
    if (value === undefined) continue
    out ??= {}
    out[key] = value
  }
  return out
}
