import { jsonSafe } from '../model/export.js'
import { payloadText, toHex, type ReceivedMessage } from '../model/message.js'
import { formatBytes, formatTime } from './hooks.js'

/** MQTT 5 property names (mqtt.js spelling) → how the spec names them. */
const PROPERTY_LABELS: Record<string, string> = {
  payloadFormatIndicator: 'Payload Format Indicator',
  messageExpiryInterval: 'Message Expiry Interval (s)',
  topicAlias: 'Topic Alias',
  responseTopic: 'Response Topic',
  correlationData: 'Correlation Data',
  subscriptionIdentifier: 'Subscription Identifier',
  contentType: 'Content Type'
}

export function PropertiesTable ({ message }: { message: ReceivedMessage }) {
  const props = message.properties ?? {}
  const user = props.userProperties as Record<string, string | string[]> | undefined
  const others = Object.entries(props).filter(([k]) => k !== 'userProperties')
  return (
    <div class='props'>
      <table data-testid='message-meta'>
        <tbody>
          <tr><th>QoS</th><td>{message.qos}</td></tr>
          <tr><th>Retain</th><td>{message.retain ? 'yes' : 'no'}</td></tr>
          {message.dup && <tr><th>Duplicate</th><td>yes</td></tr>}
          <tr><th>Received</th><td>{formatTime(message.receivedAt)}</td></tr>
          <tr><th>Size</th><td>{formatBytes(message.payload.length)}</td></tr>
          {others.map(([k, v]) => (
            <tr key={k}><th>{PROPERTY_LABELS[k] ?? k}</th><td>{formatProperty(k, v)}</td></tr>
          ))}
        </tbody>
      </table>
      {user && Object.keys(user).length > 0 && (
        <table class='user-props' data-testid='user-properties'>
          <thead><tr><th colSpan={2}>User Properties</th></tr></thead>
          <tbody>
            {Object.entries(user).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one, i) => (
              <tr key={`${k}-${i}`}><th>{k}</th><td>{String(one)}</td></tr>
            )))}
          </tbody>
        </table>
      )}
    </div>
  )
}

function formatProperty (key: string, value: unknown): string {
  if (value instanceof Uint8Array) {
    // Correlation data is binary by definition [MQTT-3.3.2.3.6]; show text too when it is printable.
    const text = payloadText(value)
    return /^[\x20-\x7e]*$/.test(text) ? `${text} (hex ${toHex(value)})` : `hex ${toHex(value)}`
  }
  if (key === 'payloadFormatIndicator') return value ? '1 (UTF-8 text)' : '0 (bytes)'
  if (Array.isArray(value)) return value.join(', ')
  return typeof value === 'object' ? JSON.stringify(jsonSafe(value)) : String(value)
}
