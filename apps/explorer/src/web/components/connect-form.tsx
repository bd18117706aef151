import { useState } from 'preact/hooks'
import {
  deleteProfile, formatSubscriptions, loadProfiles, parseSubscriptions, randomClientId, saveProfile,
  type ConnectionProfile
} from '../model/profiles.js'

interface Props {
  initial: ConnectionProfile
  /** The server asks for a login: say so above the form. */
  loginRequired: boolean
  busy: boolean
  error: string
  onConnect: (profile: ConnectionProfile) => void
}

export function ConnectForm ({ initial, loginRequired, busy, error, onConnect }: Props) {
  const [profiles, setProfiles] = useState(() => loadProfiles())
  const [p, setP] = useState<ConnectionProfile>(initial)
  const [subs, setSubs] = useState(formatSubscriptions(initial.subscriptions))
  const [note, setNote] = useState('')
  const set = <K extends keyof ConnectionProfile>(key: K, value: ConnectionProfile[K]): void => setP({ ...p, [key]: value })
  const current = (): ConnectionProfile => ({ ...p, subscriptions: parseSubscriptions(subs) })

  const pick = (name: string): void => {
    const found = profiles.find((x) => x.name === name)
    if (!found) return
    setP({ ...found, clientId: found.clientId || randomClientId() })
    setSubs(formatSubscriptions(found.subscriptions))
    setNote(found.savePassword ? '' : 'The password of this profile is not saved: type it.')
  }
  const submit = (e: Event): void => {
    e.preventDefault()
    const profile = current()
    if (profile.subscriptions.length === 0) {
      setNote('Give at least one subscription (a topic filter such as sensors/# ).')
      return
    }
    onConnect(profile)
  }

  return (
    <form class='connect' onSubmit={submit} data-testid='connect-form'>
      <h2>{loginRequired ? 'Log in to the broker' : 'Connect to a broker'}</h2>
      {loginRequired && <p class='muted'>This broker requires authentication: your MQTT user name and password are the login.</p>}
      {profiles.length > 0 && (
        <label>Saved profile <select onChange={(e) => pick(e.currentTarget.value)} value=''>
          <option value=''>choose…</option>
          {profiles.map((x) => <option key={x.name} value={x.name}>{x.name}</option>)}
        </select></label>
      )}
      <label>Broker URL <input name='url' value={p.url} onInput={(e) => set('url', e.currentTarget.value)} placeholder='ws://host:8083/mqtt' required /></label>
      <div class='inline'>
        <label>Client id <input name='clientId' value={p.clientId} onInput={(e) => set('clientId', e.currentTarget.value)} /></label>
        <label>MQTT <select name='protocolVersion' value={String(p.protocolVersion)} onChange={(e) => set('protocolVersion', Number(e.currentTarget.value) as 4 | 5)}>
          <option value='5'>5.0</option><option value='4'>3.1.1</option>
        </select></label>
      </div>
      <div class='inline'>
        <label>User name <input name='username' autocomplete='username' value={p.username} onInput={(e) => set('username', e.currentTarget.value)} /></label>
        <label>Password <input name='password' type='password' autocomplete='current-password' value={p.password} onInput={(e) => set('password', e.currentTarget.value)} /></label>
      </div>
      <label>Subscriptions <small>(one filter per line; add “@1” for QoS 1)</small>
        <textarea name='subscriptions' rows={3} value={subs} onInput={(e) => setSubs(e.currentTarget.value)} />
      </label>
      <div class='inline'>
        <label>Profile name <input name='profileName' value={p.name} onInput={(e) => set('name', e.currentTarget.value)} /></label>
        <label class='check'><input type='checkbox' name='savePassword' checked={p.savePassword} onChange={(e) => set('savePassword', e.currentTarget.checked)} /> Save password in this browser</label>
      </div>
      <div class='inline'>
        <button type='submit' class='primary' disabled={busy}>{busy ? 'Connecting…' : loginRequired ? 'Log in' : 'Connect'}</button>
        <button type='button' onClick={() => { setProfiles(saveProfile(current())); setNote(`saved “${p.name}”${p.savePassword ? ' with its password' : ' without the password'}`) }}>Save profile</button>
        {profiles.some((x) => x.name === p.name) && (
          <button type='button' onClick={() => { setProfiles(deleteProfile(p.name)); setNote(`deleted “${p.name}”`) }}>Delete profile</button>
        )}
      </div>
      {error && <div class='error' role='alert'>{error}</div>}
      {note && <div class='status' role='status'>{note}</div>}
    </form>
  )
}
