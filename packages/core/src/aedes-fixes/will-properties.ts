/**
 * Will properties that belong to the CONNECT only.
 *
 * aedes 2.0.0-beta.1 publishes the Will Message with the will's properties as
 * given in CONNECT, Will Delay Interval included. That property exists only in
 * the CONNECT Will Properties (§3.1.3.2.2); in a PUBLISH it is a property not
 * defined for the packet, i.e. a Malformed Packet for a strict receiver. The
 * other will properties (Payload Format Indicator, Message Expiry Interval,
 * Content Type, Response Topic, Correlation Data, User Properties) are sent with
 * the Will Message, as §3.1.3.2 describes, and arrive intact.
 *
 * publishWill is the aedes method both the immediate and the delayed will go
 * through; it is wrapped on the instance.
 */
export function stripConnectOnlyWillProperties (aedes: any): void {
  const publishWill = aedes.publishWill
  aedes.publishWill = function siarPublishWill (client: any, will: any) {
    const properties = will?.properties
    if (properties?.willDelayInterval === undefined) return publishWill.call(this, client, will)
    const { willDelayInterval: _connectOnly, ...publishProperties } = properties
    return publishWill.call(this, client, { ...will, properties: publishProperties })
  }
}
