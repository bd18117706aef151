/**
 * The Session Expiry Interval in every successful v5 CONNACK.
 *
 * aedes 2.0.0-beta.1 puts it in the CONNACK only when it lowered the
 * requested value. §3.2.2.3.2 lets the Server leave it out when it uses the
 * client's value, but a client cannot tell "absent" from "not supported", and
 * interoperability suites (Eclipse Paho's MQTT 5 tests among them) check that
 * a CONNACK confirms the interval a session will really have. siar states it
 * whenever the session outlives the connection (interval > 0).
 *
 * Called from the outbound writer for CONNACK packets only (once per connection).
 */
export function confirmSessionExpiry (connack: any, client: any): void {
  if (client.version !== 5 || connack.reasonCode !== 0) return
  const interval: number | undefined = client.sessionExpiryInterval
  if (interval === undefined || interval <= 0) return
  const properties = connack.properties ?? (connack.properties = {})
  if (properties.sessionExpiryInterval === undefined) properties.sessionExpiryInterval = interval
}
