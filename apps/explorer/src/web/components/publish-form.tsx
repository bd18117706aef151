import { useEffect, useState } from 'preact/hooks'
import { fromHex } from '../model/message.js'
import type { PublishInput } from '../mqtt/session.js'

export interface PublishDraft {
  topic: string
  payload: string
  /** Changes each time "Publish here…" is used, so the form takes the new draft. */
  nonce: number
}

interface Props {
  draft: PublishDraft
  v5: boolean
  publish: (input: PublishInput) => Promise<void>
}

type PayloadKind = 'text' | 'json' | 'hex'

export function PublishForm ({ draft, v5, publish }: Props) {
  const [topic, setTopic] = useState(draft.topic)
  const [payload, setPayload] = useState(draft.payload)
  const [kind, setKind] = useState<PayloadKind>('text')
  const [qos, setQos] = useState<0 | 1 | 2>(0)
  const [retain, setRetain] = useState(false)
  const [contentType, setContentType] = useState('')
  const [responseTopic, setResponseTopic] = useState('')
  const [correlation, setCorrelation] = useState('')
  const [expiry, setExpiry] = useState('')
  const [utf8Flag, setUtf8Flag] = useState(false)
  const [userProps, setUserProps] = useState<Array<[string, string]>>([])
  const [status, setStatus] = useState('')

  useEffect(() => {
    setTopic(draft.topic)
    setPayload(draft.payload)
  }, [draft.nonce])

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    try {
      if (!topic || /[+#]/.test(topic)) throw new Error('the topic must be a name without + or # wildcards')
      let body: string | Uint8Array = payload
      if (kind === 'json') JSON.parse(payload)
      if (kind === 'hex') body = fromHex(payload)
      const input: PublishInput = { topic, payload: body, qos, retain }
      if (v5) {
        const props: Record<string, unknown> = {}
        if (contentType) props.contentType = contentType
        else if (kind === 'json') props.contentType = 'application/json'
        if (responseTopic) props.responseTopic = responseTopic
        if (correlation) props.correlationData = new TextEncoder().encode(correlation)
        if (expiry) props.messageExpiryInterval = Number(expiry)
        if (utf8Flag) props.payloadFormatIndicator = true
        const named = userProps.filter(([k]) => k)
        if (named.length > 0) {
          const user: Record<string, string | string[]> = {}
          for (const [k, v] of named) {
            const prev = user[k]
            user[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
          }
          props.userProperties = user
        }
        if (Object.keys(props).length > 0) input.properties = props
      }
      await publish(input)
      setStatus(`published to ${topic}${retain ? ' (retained)' : ''}`)
    } catch (err) {
      setStatus(`not published: ${(err as Error).message}`)
    }
  }
  const setUser = (i: number, at: 0 | 1, value: string): void => {
    setUserProps(userProps.map((p, j) => (j === i ? (at === 0 ? [value, p[1]] : [p[0], value]) : p)))
  }

  return (
    <form class='publish' onSubmit={(e) => void submit(e)} data-testid='publish-form'>
      <label>Topic <input name='topic' value={topic} onInput={(e) => setTopic(e.currentTarget.value)} placeholder='sensors/kitchen/temp' required /></label>
      <label>Payload <textarea name='payload' rows={6} value={payload} onInput={(e) => setPayload(e.currentTarget.value)} /></label>
      <div class='inline'>
        <label>Format <select name='format' value={kind} onChange={(e) => setKind(e.currentTarget.value as PayloadKind)}>
          <option value='text'>text</option><option value='json'>JSON (checked)</option><option value='hex'>hex bytes</option>
        </select></label>
        <label>QoS <select name='qos' value={String(qos)} onChange={(e) => setQos(Number(e.currentTarget.value) as 0 | 1 | 2)}>
          <option value='0'>0</option><option value='1'>1</option><option value='2'>2</option>
        </select></label>
        <label class='check'><input type='checkbox' name='retain' checked={retain} onChange={(e) => setRetain(e.currentTarget.checked)} /> Retain</label>
      </div>
      {v5 && (
        <fieldset>
          <legend>MQTT 5 properties</legend>
          <div class='inline'>
            <label>Content type <input name='contentType' value={contentType} onInput={(e) => setContentType(e.currentTarget.value)} /></label>
            <label>Expiry (s) <input name='expiry' type='number' min='0' value={expiry} onInput={(e) => setExpiry(e.currentTarget.value)} /></label>
            <label class='check'><input type='checkbox' checked={utf8Flag} onChange={(e) => setUtf8Flag(e.currentTarget.checked)} /> UTF-8 payload</label>
          </div>
          <div class='inline'>
            <label>Response topic <input name='responseTopic' value={responseTopic} onInput={(e) => setResponseTopic(e.currentTarget.value)} /></label>
            <label>Correlation data <input name='correlationData' value={correlation} onInput={(e) => setCorrelation(e.currentTarget.value)} /></label>
          </div>
          {userProps.length > 0 && <div class='muted small-title'>User properties</div>}
          {userProps.map(([k, v], i) => (
            <div class='inline user-prop' key={i}>
              <input aria-label='user property name' placeholder='name' value={k} onInput={(e) => setUser(i, 0, e.currentTarget.value)} />
              <input aria-label='user property value' placeholder='value' value={v} onInput={(e) => setUser(i, 1, e.currentTarget.value)} />
              <button type='button' onClick={() => setUserProps(userProps.filter((_, j) => j !== i))}>✕</button>
            </div>
          ))}
          <button type='button' onClick={() => setUserProps([...userProps, ['', '']])}>Add user property</button>
        </fieldset>
      )}
      <div class='inline'>
        <button type='submit' class='primary'>Publish</button>
        {status && <span class='status' role='status'>{status}</span>}
      </div>
    </form>
  )
}
