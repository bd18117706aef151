import { TopicTree, type TopicNode } from './topic-tree.js'
import type { ReceivedMessage } from './message.js'

export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'error' | 'closed'

export interface ConnectionState {
  status: ConnectionStatus
  /** What the user should read: an error, or where we are connected. */
  detail: string
  /** Something to fix that did not stop the connection (a refused subscription). */
  warning?: string
}

type Listener = () => void

/**
 * The explorer's state, outside the view. Messages change the model at once;
 * listeners are told at most once per animation frame, so a burst of 1,000
 * messages costs one render, not 1,000.
 */
export class ExplorerStore {
  readonly tree = new TopicTree()
  expanded = new Set<TopicNode>()
  /** Bumped on expand/collapse, so cached rows know to rebuild. */
  expandVersion = 0
  selected: TopicNode | null = null
  filter = ''
  connection: ConnectionState = { status: 'idle', detail: '' }
  /** Messages per second over the last full second. */
  rate = 0
  readonly #listeners = new Set<Listener>()
  #scheduled = false
  #windowCount = 0
  #windowStart = performance.now()

  subscribe (listener: Listener): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  ingest (m: Omit<ReceivedMessage, 'seq'>): void {
    this.tree.ingest(m)
    this.#windowCount++
    this.changed()
  }

  /** Schedule one notification for the next frame (coalesces any number of calls). */
  changed (): void {
    if (this.#scheduled) return
    this.#scheduled = true
    requestAnimationFrame(() => this.#flush())
  }

  #flush (): void {
    this.#scheduled = false
    const now = performance.now()
    if (now - this.#windowStart >= 1000) {
      this.rate = Math.round(this.#windowCount * 1000 / (now - this.#windowStart))
      this.#windowCount = 0
      this.#windowStart = now
      // Keep the rate display honest when traffic stops.
      setTimeout(() => this.changed(), 1000)
    }
    for (const l of this.#listeners) l()
  }

  setConnection (status: ConnectionStatus, detail = '', warning?: string): void {
    this.connection = warning ? { status, detail, warning } : { status, detail }
    this.changed()
  }

  select (node: TopicNode | null): void {
    this.selected = node
    this.changed()
  }

  toggle (node: TopicNode, open?: boolean): void {
    const want = open ?? !this.expanded.has(node)
    if (want) this.expanded.add(node)
    else this.expanded.delete(node)
    this.expandVersion++
    this.changed()
  }

  /** Open every ancestor of a topic so it shows in the tree. */
  reveal (node: TopicNode): void {
    for (let n = node.parent; n && n.depth >= 0; n = n.parent) this.expanded.add(n)
    this.expandVersion++
    this.changed()
  }

  setFilter (text: string): void {
    this.filter = text
    this.changed()
  }

  reset (): void {
    this.tree.clear()
    this.expanded = new Set()
    this.expandVersion++
    this.selected = null
    this.changed()
  }
}
