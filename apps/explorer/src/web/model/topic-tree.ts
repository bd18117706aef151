import type { ReceivedMessage } from './message.js'

export const DEFAULT_HISTORY_SIZE = 100
/** Per topic; with thousands of topics more would exhaust the tab's memory. */
export const MAX_HISTORY_SIZE = 10_000
/**
 * Messages kept across all topics: 10,000 topics × 100 would be a million
 * messages, more than a browser tab should hold. Beyond this the oldest
 * messages anywhere go first (counts and last values stay).
 */
export const DEFAULT_MAX_STORED_MESSAGES = 200_000

/**
 * One level of the topic hierarchy. Counters are kept up to date on ingest so
 * the view reads them without walking the tree: at 1,000 messages/s a walk per
 * frame would cost more than drawing.
 */
export class TopicNode {
  readonly name: string
  /** The full topic name of this level ("a/b" for the node b under a). */
  readonly topic: string
  readonly parent: TopicNode | null
  readonly depth: number
  readonly children = new Map<string, TopicNode>()
  /** Children sorted by name, kept sorted on insert (never re-sorted per frame). */
  readonly sorted: TopicNode[] = []
  /** Messages on exactly this topic. */
  count = 0
  /** Messages on this topic and everything below. */
  total = 0
  /** Topics (with at least one message) in this subtree, this one included. */
  topics = 0
  /** Topics in this subtree whose broker-side retained message we know of. */
  retainedBelow = 0
  /** The broker holds a retained message for this topic (as far as we have seen). */
  retained = false
  history: ReceivedMessage[] = []
  last: ReceivedMessage | null = null
  /** Bumped on every message here: the detail view redraws only when it moves. */
  version = 0

  constructor (name: string, parent: TopicNode | null) {
    this.name = name
    this.parent = parent
    this.depth = parent ? parent.depth + 1 : -1
    this.topic = parent && parent.depth >= 0 ? `${parent.topic}/${name}` : name
  }

  child (name: string): TopicNode {
    let node = this.children.get(name)
    if (!node) {
      node = new TopicNode(name, this)
      this.children.set(name, node)
      this.sorted.splice(sortedIndex(this.sorted, name), 0, node)
    }
    return node
  }

  get isTopic (): boolean {
    return this.count > 0
  }
}

const DIGITS = /^\d{1,15}$/

/**
 * Numeric names first, in numeric order (2 before 10), then the rest by code
 * unit. A total order, so the binary-search insert stays consistent.
 */
export function compareNames (a: string, b: string): number {
  const da = DIGITS.test(a)
  const db = DIGITS.test(b)
  if (da && db) return Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0)
  if (da !== db) return da ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

function sortedIndex (nodes: TopicNode[], name: string): number {
  let lo = 0
  let hi = nodes.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareNames((nodes[mid] as TopicNode).name, name) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The live model: every topic seen, with bounded history. Independent of any view. */
export class TopicTree {
  root = new TopicNode('', null)
  /** Topic name → node, for lookups and filtering without a walk. */
  readonly byTopic = new Map<string, TopicNode>()
  messageCount = 0
  /** Bumped when a node is created: cached row lists are rebuilt only then. */
  structureVersion = 0
  #historySize: number
  #seq = 0
  /** Every kept message in arrival order (a ring), for the global bound. */
  readonly #kept: Array<ReceivedMessage | undefined>
  #keptHead = 0
  #keptCount = 0

  constructor (historySize = DEFAULT_HISTORY_SIZE, maxStoredMessages = DEFAULT_MAX_STORED_MESSAGES) {
    this.#historySize = historySize
    this.#kept = new Array<ReceivedMessage | undefined>(maxStoredMessages)
  }

  /** Messages counted against the global bound (some may already be trimmed per topic). */
  get storedMessages (): number {
    return this.#keptCount
  }

  /** Remember a message; when full, drop the oldest one still held anywhere. */
  #keep (msg: ReceivedMessage): void {
    const size = this.#kept.length
    if (this.#keptCount === size) {
      const oldest = this.#kept[this.#keptHead] as ReceivedMessage
      const node = this.byTopic.get(oldest.topic)
      // Per-topic trimming may have dropped it already; then it is not first.
      if (node && node.history[0] === oldest) node.history.shift()
      this.#keptHead = (this.#keptHead + 1) % size
      this.#keptCount--
    }
    this.#kept[(this.#keptHead + this.#keptCount) % size] = msg
    this.#keptCount++
  }

  get historySize (): number {
    return this.#historySize
  }

  set historySize (n: number) {
    this.#historySize = Math.max(1, Math.floor(n))
    for (const node of this.byTopic.values()) {
      if (node.history.length > this.#historySize) node.history.splice(0, node.history.length - this.#historySize)
    }
  }

  ingest (m: Omit<ReceivedMessage, 'seq'>): TopicNode {
    const msg = m as ReceivedMessage
    msg.seq = ++this.#seq
    let node = this.byTopic.get(m.topic)
    if (!node) {
      node = this.root
      for (const level of m.topic.split('/')) node = node.child(level)
      this.byTopic.set(m.topic, node)
      this.structureVersion++
    }
    const firstMessage = node.count === 0
    node.count++
    node.version++
    node.last = msg
    node.history.push(msg)
    if (node.history.length > this.#historySize) node.history.shift()
    this.#keep(msg)
    // A retained PUBLISH with an empty payload deletes the retained message [MQTT-3.3.1-10];
    // a live, non-retained message leaves the broker's retained copy as it was.
    let retainedDelta = 0
    if (msg.retain) {
      const now = msg.payload.length > 0
      if (now !== node.retained) retainedDelta = now ? 1 : -1
      node.retained = now
    }
    this.messageCount++
    for (let n: TopicNode | null = node; n; n = n.parent) {
      n.total++
      if (firstMessage) n.topics++
      n.retainedBelow += retainedDelta
    }
    return node
  }

  find (topic: string): TopicNode | undefined {
    return this.byTopic.get(topic)
  }

  /** Every topic node in the subtree of `node` (itself included), in tree order. */
  topicsUnder (node: TopicNode): TopicNode[] {
    const out: TopicNode[] = []
    const stack = [node]
    while (stack.length > 0) {
      const n = stack.pop() as TopicNode
      if (n.isTopic) out.push(n)
      for (let i = n.sorted.length - 1; i >= 0; i--) stack.push(n.sorted[i] as TopicNode)
    }
    return out
  }

  clear (): void {
    this.#kept.fill(undefined)
    this.#keptHead = 0
    this.#keptCount = 0
    this.root = new TopicNode('', null)
    this.byTopic.clear()
    this.messageCount = 0
    this.structureVersion++
  }
}
