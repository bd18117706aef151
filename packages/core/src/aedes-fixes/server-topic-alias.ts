import type { OutboundState } from './outbound-writes.js'
import { wirePublish } from './wire-publish.js'

/**
 * Broker-assigned topic aliases toward a v5 client that accepts them.
 *
 * aedes 2.0.0-beta.1 resolves aliases a client sends but never sends any. The
 * specification makes this optional ("The Server MAY use a Topic Alias",
 * §3.3.2.3.4) within the client's limit: [MQTT-3.3.2-9] the Server MUST NOT
 * send a Topic Alias greater than the client's Topic Alias Maximum, and
 * [MQTT-3.3.2-8] sends none to a client that allows none (the default).
 *
 * Policy: the first `Topic Alias Maximum` distinct topics sent on a connection
 * get aliases 1..N, in order of first use; the first PUBLISH of a topic carries
 * the topic name and its alias, later ones an empty topic name and the alias.
 * Aliases never change meaning within a connection, so a packet resent after a
 * PUBACK timeout is still understood; they are per connection [MQTT-3.3.2-10]
 * and start over on reconnect. Topics past the first N are sent in full.
 *
 * QoS 2 messages always carry the full topic name (with the alias, which is
 * allowed and keeps the mapping as it is): mqtt.js (5.16) resolves an alias
 * when the PUBLISH arrives but emits a QoS 2 message from its stored packet on
 * PUBREL, with the empty topic name. siar's own SDK is built on mqtt.js.
 */
export function applyServerTopicAlias (state: OutboundState, packet: any): any {
  const topic: string = packet.topic
  const aliases = state.aliases
  const known = aliases.get(topic)
  if (known !== undefined) {
    return wirePublish(packet, packet.qos === 2 ? topic : '', { ...packet.properties, topicAlias: known })
  }
  if (aliases.size >= state.aliasMaximum) return packet
  const alias = aliases.size + 1
  aliases.set(topic, alias)
  return wirePublish(packet, topic, { ...packet.properties, topicAlias: alias })
}
