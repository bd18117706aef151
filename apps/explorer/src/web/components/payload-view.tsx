import { diffLines } from '../model/diff.js'
import { hexDump, payloadJson, payloadText, type ReceivedMessage } from '../model/message.js'

export type PayloadFormat = 'text' | 'json' | 'hex' | 'diff'

/** Text shown for a payload at most; the rest is cut (the export has it all). */
const MAX_SHOWN_CHARS = 200_000

/** Pretty JSON when the payload is JSON, else its text: the base both views and diffs use. */
export function prettyText (payload: Uint8Array): string {
  const json = payloadJson(payload)
  return json === undefined ? payloadText(payload) : JSON.stringify(json, null, 2)
}

export function PayloadView ({ message, previous, format }: { message: ReceivedMessage, previous: ReceivedMessage | undefined, format: PayloadFormat }) {
  if (format === 'diff') {
    if (!previous) return <pre class='payload muted'>No earlier message on this topic to compare with.</pre>
    const lines = diffLines(prettyText(previous.payload), prettyText(message.payload))
    const changed = lines.some((l) => l.op !== 'same')
    return (
      <pre class='payload diff' data-testid='diff'>
        {!changed && <div class='muted'>Same payload as the previous message.</div>}
        {lines.map((l, i) => (
          <div key={i} class={l.op}>{l.op === 'add' ? '+ ' : l.op === 'del' ? '- ' : '  '}{l.text}</div>
        ))}
      </pre>
    )
  }
  if (message.payload.length === 0) return <pre class='payload muted'>(empty payload)</pre>
  let text: string
  if (format === 'hex') {
    text = hexDump(message.payload)
  } else if (format === 'json') {
    const json = payloadJson(message.payload)
    text = json === undefined ? 'Not JSON. Showing text:\n\n' + payloadText(message.payload) : JSON.stringify(json, null, 2)
  } else {
    text = payloadText(message.payload)
  }
  if (text.length > MAX_SHOWN_CHARS) text = `${text.slice(0, MAX_SHOWN_CHARS)}\n… (cut at ${MAX_SHOWN_CHARS} characters)`
  return <pre class='payload' data-testid='payload'>{text}</pre>
}
