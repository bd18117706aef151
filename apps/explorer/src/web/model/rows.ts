import type { TopicNode, TopicTree } from './topic-tree.js'

/** A row of the tree view: a node and its indentation. */
export interface Row {
  node: TopicNode
  depth: number
  /** Shown expanded (by the user, or because a filter matched below it). */
  open: boolean
}

/** Most rows a filter may produce: beyond this the user should type more. */
export const MAX_FILTER_ROWS = 5000

/**
 * The visible rows: only expanded nodes are walked, so 10,000 topics under a
 * collapsed branch cost nothing.
 */
export function visibleRows (tree: TopicTree, expanded: ReadonlySet<TopicNode>): Row[] {
  const rows: Row[] = []
  const walk = (node: TopicNode): void => {
    for (const child of node.sorted) {
      const open = expanded.has(child) && child.sorted.length > 0
      rows.push({ node: child, depth: child.depth, open })
      if (open) walk(child)
    }
  }
  walk(tree.root)
  return rows
}

/**
 * Rows for a search: every topic whose name contains `text` (case-insensitive)
 * with its ancestors, opened. Costs one pass over the topics, so callers
 * throttle it while messages stream in.
 */
export function filteredRows (tree: TopicTree, text: string): { rows: Row[], matches: number, truncated: boolean } {
  const needle = text.toLowerCase()
  const keep = new Set<TopicNode>()
  let matches = 0
  for (const [topic, node] of tree.byTopic) {
    if (!topic.toLowerCase().includes(needle)) continue
    matches++
    for (let n: TopicNode | null = node; n && !keep.has(n); n = n.parent) keep.add(n)
  }
  const rows: Row[] = []
  let truncated = false
  const walk = (node: TopicNode): void => {
    for (const child of node.sorted) {
      if (!keep.has(child)) continue
      if (rows.length >= MAX_FILTER_ROWS) {
        truncated = true
        return
      }
      const open = child.sorted.some((c) => keep.has(c))
      rows.push({ node: child, depth: child.depth, open })
      if (open) walk(child)
    }
  }
  walk(tree.root)
  return { rows, matches, truncated }
}
