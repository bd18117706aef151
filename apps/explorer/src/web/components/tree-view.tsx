import { useEffect, useRef, useState } from 'preact/hooks'
import { previewOf } from '../model/message.js'
import { filteredRows, visibleRows, type Row } from '../model/rows.js'
import type { ExplorerStore } from '../model/store.js'

/** Fixed row height in px: it is what lets us draw only the rows in view. */
export const ROW_HEIGHT_PX = 24
/** Extra rows drawn above and below the viewport so fast scrolling shows no gaps. */
const OVERSCAN_ROWS = 8
/** A search walks every topic; while messages stream in, redo it at most this often. */
const FILTER_REFRESH_MS = 300

interface RowCache {
  key: string
  rows: Row[]
  at: number
  note: string
}

export function TreeView ({ store }: { store: ExplorerStore }) {
  const scroller = useRef<HTMLDivElement>(null)
  const cache = useRef<RowCache>({ key: '', rows: [], at: 0, note: '' })
  const [view, setView] = useState({ top: 0, height: 600 })

  useEffect(() => {
    const el = scroller.current
    if (!el) return
    const measure = (): void => setView({ top: el.scrollTop, height: el.clientHeight })
    const ro = new ResizeObserver(measure)
    ro.observe(el)
    measure()
    return () => ro.disconnect()
  }, [])

  const rows = currentRows(store, cache.current)
  // The measured height can be stale (0 while hidden); the live one is one cheap layout read.
  const height = scroller.current?.clientHeight || view.height || window.innerHeight
  const first = Math.max(0, Math.floor(view.top / ROW_HEIGHT_PX) - OVERSCAN_ROWS)
  const last = Math.min(rows.length, Math.ceil((view.top + height) / ROW_HEIGHT_PX) + OVERSCAN_ROWS)
  const shown = rows.slice(first, last)

  return (
    <div class='tree-wrap'>
      {cache.current.note && <div class='tree-note'>{cache.current.note}</div>}
      <div
        class='tree' ref={scroller} role='tree' aria-label='topics' tabIndex={0}
        onKeyDown={(e) => onKey(e, rows, store, scroller.current)}
        onScroll={(e) => setView({ top: (e.currentTarget as HTMLDivElement).scrollTop, height: (e.currentTarget as HTMLDivElement).clientHeight })}
      >
        <div style={{ height: `${rows.length * ROW_HEIGHT_PX}px`, position: 'relative' }}>
          {shown.map((row, i) => (
            <TreeRow key={row.node.topic + '\u0000' + row.depth} row={row} top={(first + i) * ROW_HEIGHT_PX} store={store} />
          ))}
        </div>
        {rows.length === 0 && <div class='empty'>{store.filter ? 'No topic matches the filter.' : 'No messages yet.'}</div>}
      </div>
    </div>
  )
}

/** Arrow keys move the selection, Right/Left open and close, as in a file tree (WAI-ARIA tree pattern). */
function onKey (e: KeyboardEvent, rows: Row[], store: ExplorerStore, el: HTMLDivElement | null): void {
  const at = rows.findIndex((r) => r.node === store.selected)
  const row = rows[at]
  let next = at
  if (e.key === 'ArrowDown') next = Math.min(rows.length - 1, at + 1)
  else if (e.key === 'ArrowUp') next = Math.max(0, at - 1)
  else if (e.key === 'ArrowRight' && row && row.node.sorted.length > 0) {
    if (!row.open) store.toggle(row.node, true)
    else next = at + 1
  } else if (e.key === 'ArrowLeft' && row) {
    if (row.open && !store.filter) store.toggle(row.node, false)
    else next = rows.findIndex((r) => r.node === row.node.parent)
  } else if (e.key === 'Enter' && row && !store.filter) store.toggle(row.node)
  else return
  e.preventDefault()
  const target = rows[next]
  if (next !== at && target) {
    store.select(target.node)
    // Keep the selection in view: rows outside the window are not drawn at all.
    if (el) {
      const top = next * ROW_HEIGHT_PX
      if (top < el.scrollTop) el.scrollTop = top
      else if (top + ROW_HEIGHT_PX > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT_PX - el.clientHeight
    }
  }
}

function currentRows (store: ExplorerStore, cache: RowCache): Row[] {
  const tree = store.tree
  if (store.filter) {
    const key = `f:${store.filter}:${tree.structureVersion}`
    const stale = key !== cache.key && (!cache.key.startsWith(`f:${store.filter}:`) || performance.now() - cache.at > FILTER_REFRESH_MS)
    if (stale) {
      const r = filteredRows(tree, store.filter)
      cache.rows = r.rows
      cache.note = `${r.matches} of ${tree.byTopic.size} topics match${r.truncated ? ' (showing the first rows: type more to narrow)' : ''}`
      cache.key = key
      cache.at = performance.now()
    }
  } else {
    const key = `e:${store.expandVersion}:${tree.structureVersion}`
    if (key !== cache.key) {
      cache.rows = visibleRows(tree, store.expanded)
      cache.key = key
      cache.note = ''
    }
  }
  return cache.rows
}

function TreeRow ({ row, top, store }: { row: Row, top: number, store: ExplorerStore }) {
  const node = row.node
  const branch = node.sorted.length > 0
  const selected = store.selected === node
  return (
    <div
      class={`row${selected ? ' selected' : ''}`}
      style={{ top: `${top}px`, paddingLeft: `${row.depth * 14 + 4}px` }}
      role='treeitem' aria-selected={selected} aria-expanded={branch ? row.open : undefined}
      data-topic={node.topic}
      onClick={() => store.select(node)}
      onDblClick={() => branch && !store.filter && store.toggle(node)}
    >
      <span
        class='caret'
        onClick={(e) => { e.stopPropagation(); if (branch && !store.filter) store.toggle(node) }}
      >{branch ? (row.open ? '▾' : '▸') : ''}</span>
      <span class='name'>{node.name === '' ? '(empty)' : node.name}</span>
      {node.retained && <span class='badge retained' title='the broker holds a retained message here'>R</span>}
      {branch && <span class='count' title='topics · messages below'>{node.topics} · {node.total}</span>}
      {!branch && <span class='count' title='messages'>{node.count}</span>}
      {node.last && <span class='preview'>= {previewOf(node.last)}</span>}
    </div>
  )
}
