/**
 * The QoS siar's per-client deliver function (overlapping-subscriptions.ts
 * `route`) chose for the delivery that is running right now, or -1 when no
 * live delivery is running (an offline queue being drained, for instance).
 *
 * aedes runs authorizeForward synchronously inside the deliver function, and
 * one delivery runs at a time on the event loop, so a single process-wide slot
 * is enough. It lets the delivery metrics count by the QoS sent without
 * wrapping every client's deliver functions a second time (two closures per
 * connection and a call per delivery).
 */
export const liveDelivery = { qos: -1 }
