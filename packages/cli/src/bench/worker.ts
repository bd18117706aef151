import { parentPort, workerData } from 'node:worker_threads'
import { connect, type SiarClient } from '@siar/client'
import { connectOptions, limited, subscribeFilterOf, tuneSocket } from './clients.js'
import type { IPublishPacket } from 'mqtt'
import { Histogram } from './histogram.js'
import { nowUs, readHeader } from './payload.js'
import { createPublisherGroup, type Publisher } from './publishers.js'
import { SeqTracker, type SeqCounts } from './seq-tracker.js'
import { MAX_BACKLOG_DELIVERIES, SETUP_CONCURRENCY, nodeOf, publishTopic } from './plan.js'
import { threadCpuMs } from './thread-cpu.js'
import type { FromWorker, ToWorker, WorkerInit, WorkerStats } from './messages.js'

/** Progress reports to the coordinator, ms. */
const PROGRESS_INTERVAL_MS = 250
/** Giving every client this long to close at the end, ms. */
const END_TIMEOUT_MS = 5000

const init = workerData as WorkerInit
const { plan, share } = init
const counters = new Float64Array(init.counters)
const sentSlot = init.index * 2
const receivedSlot = sentSlot + 1
/** Only fan-in and fan-out run flat out with subscribers to wait for. */
const receivers = plan.rate === 0 && (plan.scenario === 'fanin' || plan.scenario === 'fanout') ? plan.subscribers : 0
const backlog = {
  full: (): boolean => {
    if (receivers === 0) return false
    let sent = 0
    let got = 0
    for (let i = 0; i < counters.length; i += 2) {
      sent += counters[i] ?? 0
      got += counters[i + 1] ?? 0
    }
    return sent * receivers - got > MAX_BACKLOG_DELIVERIES
  }
}
const port = parentPort
if (!port) throw new Error('bench worker must run in a worker thread')
const post = (m: FromWorker): void => port.postMessage(m)

const clients: SiarClient[] = []
/** One tracker per receiving client: each must see every message once. */
const trackers: SeqTracker[] = []
const foreign = new SeqTracker()
const latency = new Histogram()
const latencyFromSend = new Histogram()
const connectTimes = new Histogram()
const publishers: Publisher[] = []
let received = 0
let failures = 0
let firstError: string | undefined
let publishErrors = 0
let firstPublishError: string | undefined
let correlationMismatches = 0
let requestsHandled = 0
let firstReceiveUs = 0
let lastReceiveUs = 0
let sentByPublisher: Record<number, number> = {}
let finishing = false
let cpuAtStart = 0

// mqtt.js 5.16 throws from inside its stream when a CONNACK arrives after a
// timed-out connect was abandoned (its store is already closed). One bad client
// must not end the run: count it as a failed connection and go on.
process.on('uncaughtException', (err) => {
  failures++
  firstError ??= `client library error: ${err.message}`
})

// Publishers alone on their thread may block it briefly to send on time.
const group = createPublisherGroup(plan, publishers, backlog, share.subscriberIds.length === 0, {
  onDone: () => post({ type: 'done' }),
  onSent: () => { counters[sentSlot] = (counters[sentSlot] ?? 0) + 1 },
  onError: (err) => {
    if (finishing) return
    publishErrors++
    firstPublishError ??= err.message
  }
})

async function open (role: 'p' | 's' | 'c', id: number): Promise<SiarClient | undefined> {
  const clientId = `${plan.clientIdPrefix}${role}${id}`
  const started = nowUs()
  try {
    const client = await connect(connectOptions(nodeOf(plan, role, id), clientId))
    connectTimes.record(nowUs() - started)
    tuneSocket(client)
    clients.push(client)
    return client
  } catch (err) {
    failures++
    firstError ??= (err as Error).message
    return undefined
  }
}

/** Deliveries from the bench's own publishers: exact counts and latency. */
function onDelivery (tracker: SeqTracker, payload: Buffer): void {
  const h = readHeader(payload)
  if (!h || (plan.scenario !== 'sub' && h.runId !== plan.runId)) {
    tracker.recordForeign()
    return
  }
  const now = nowUs()
  received++
  counters[receivedSlot] = received
  if (firstReceiveUs === 0) firstReceiveUs = now
  lastReceiveUs = now
  // `sub` counts every run it hears; (run, publisher) must not collide.
  const key = plan.scenario === 'sub' ? h.runId * 2 ** 20 + (h.publisherId % 2 ** 20) : h.publisherId
  if (tracker.record(key, h.seq)) {
    latency.record(now - h.scheduledUs)
    latencyFromSend.record(now - h.sentUs)
  }
}

async function setupSubscriber (id: number): Promise<void> {
  const client = await open('s', id)
  if (!client) return
  const reqres = plan.scenario === 'reqres'
  const filter = subscribeFilterOf(plan)
  const tracker = new SeqTracker()
  trackers.push(tracker)
  client.raw.on('message', (_topic: string, payload: Buffer, packet: IPublishPacket) => {
    if (!reqres) return onDelivery(tracker, payload)
    // Responder: answer on the response topic with the same correlation data [MQTT-4.10];
    // over MQTT 3.1.1 (no properties) the reply topic is derived from the requester id in the payload.
    const h = readHeader(payload)
    if (!h) return foreign.recordForeign()
    requestsHandled++
    const props = packet.properties
    const topic = props?.responseTopic ?? `${plan.topicPrefix}/res/${h.publisherId}`
    const options: Record<string, unknown> = { qos: plan.qos }
    if (props?.correlationData) options.properties = { correlationData: props.correlationData }
    client.raw.publish(topic, payload, options, (err) => { if (err) { publishErrors++; firstPublishError ??= err.message } })
  })
  await subscribe(client, filter)
}

async function subscribe (client: SiarClient, filter: string): Promise<void> {
  try {
    const granted = await client.raw.subscribeAsync(filter, { qos: plan.qos })
    if (granted.some((g) => g.qos === 128)) throw new Error(`broker refused the subscription to ${filter}`)
  } catch (err) {
    failures++
    firstError ??= (err as Error).message
  }
}

async function setupPublisher (id: number): Promise<void> {
  const client = await open('p', id)
  if (!client) return
  const p: Publisher = { id, client, topic: publishTopic(plan, id), seq: 0, outstanding: 0, acked: 0, finished: false, kicked: false, waitingDrain: false }
  if (plan.scenario === 'reqres') {
    const responseTopic = `${plan.topicPrefix}/res/${id}`
    if (plan.connect.protocolVersion === 5) p.properties = { responseTopic }
    const tracker = new SeqTracker()
    trackers.push(tracker)
    client.raw.on('message', (_topic: string, payload: Buffer, packet: IPublishPacket) => {
      const h = readHeader(payload)
      const cd = packet.properties?.correlationData
      if (h && cd && (cd.length !== 4 || cd.readUInt32BE(0) !== h.seq)) correlationMismatches++
      onDelivery(tracker, payload)
      if (h && h.runId === plan.runId) group.release(p)
    })
    await subscribe(client, responseTopic)
  }
  publishers.push(p)
}

/** conn: start each connection on its own schedule (rate split over workers), not waiting on earlier ones. */
async function openConnections (): Promise<void> {
  const perSecond = plan.rate > 0 ? plan.rate / plan.workers : 0
  const t0 = nowUs()
  const pending: Array<Promise<unknown>> = []
  for (let i = 0; i < share.connectionIds.length; i++) {
    if (perSecond > 0) {
      const waitMs = (t0 + (i / perSecond) * 1e6 - nowUs()) / 1000
      if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs))
    }
    pending.push(open('c', share.connectionIds[i] as number))
  }
  await Promise.all(pending)
}

/** Stop publishing, then give QoS 1/2 publishes still in flight a moment to be acknowledged. */
async function stop (): Promise<void> {
  group.stop()
  sentByPublisher = Object.fromEntries(publishers.map((p) => [p.id, p.seq]))
  const deadline = Date.now() + Math.max(plan.drainQuietMs, 1000)
  while (group.outstanding() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
  post({ type: 'published', sentByPublisher })
}

async function setup (): Promise<void> {
  if (plan.scenario === 'conn') {
    await openConnections()
  } else {
    await limited(share.subscriberIds.map((id) => () => setupSubscriber(id)), SETUP_CONCURRENCY)
    await limited(share.publisherIds.map((id) => () => setupPublisher(id)), SETUP_CONCURRENCY)
  }
  post({ type: 'ready', connected: clients.length, failures, ...(firstError ? { firstError } : {}) })
}

const progress = setInterval(() => {
  let sent = 0
  for (const p of publishers) sent += p.seq
  post({ type: 'progress', sent, received, connected: clients.length, failures })
}, PROGRESS_INTERVAL_MS)

async function finish (): Promise<void> {
  finishing = true
  const cpuMs = cpuAtStart >= 0 ? threadCpuMs() - cpuAtStart : -1
  clearInterval(progress)
  group.stop()
  await Promise.race([
    Promise.all(clients.map((c) => new Promise<void>((resolve) => c.raw.end(true, () => resolve())))),
    new Promise((resolve) => setTimeout(resolve, END_TIMEOUT_MS))
  ])
  const all = [...trackers, foreign].map((t) => t.counts())
  const sum = (f: (c: SeqCounts) => number): number => all.reduce((n, c) => n + f(c), 0)
  const stats: WorkerStats = {
    sentByPublisher,
    acked: publishers.reduce((n, p) => n + p.acked, 0),
    publishErrors,
    received,
    unique: sum((c) => c.unique),
    duplicates: sum((c) => c.duplicates),
    foreign: sum((c) => c.foreign),
    seenUpTo: sum((c) => Object.values(c.seenUpTo).reduce((a, b) => a + b, 0)),
    correlationMismatches,
    requestsHandled,
    latency: latency.snapshot(),
    latencyFromSend: latencyFromSend.snapshot(),
    connect: connectTimes.snapshot(),
    connected: clients.length,
    failures,
    firstReceiveUs,
    lastReceiveUs,
    threadCpuMs: cpuMs
  }
  if (firstError) stats.firstError = firstError
  if (firstPublishError) stats.firstPublishError = firstPublishError
  post({ type: 'final', stats })
  port?.close()
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'setup') {
    void setup()
  } else if (m.type === 'start') {
    cpuAtStart = threadCpuMs()
    group.start(m.t0Us)
  } else if (m.type === 'stop') {
    void stop()
  } else if (m.type === 'finish') {
    void finish()
  }
})
post({ type: 'loaded' })
