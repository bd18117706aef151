import { Component, h, type ComponentChildren, type FunctionComponent } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import type { ExplorerStore } from '../model/store.js'

/** Re-render the caller once per store notification (at most once per frame). */
export function useStore (store: ExplorerStore): void {
  const [, setTick] = useState(0)
  useEffect(() => store.subscribe(() => setTick((t) => t + 1)), [store])
}

/**
 * Skip re-rendering while the props are shallow-equal: the detail pane redraws
 * when its topic's version moves, not on every frame of unrelated traffic.
 * (preact/compat has `memo`; this saves pulling compat into the bundle.)
 */
export function pure<P extends object> (render: FunctionComponent<P>): FunctionComponent<P> {
  class Pure extends Component<P> {
    override shouldComponentUpdate (next: P): boolean {
      const prev = this.props as Record<string, unknown>
      const keys = new Set([...Object.keys(prev), ...Object.keys(next)])
      for (const k of keys) if (k !== 'children' && prev[k] !== (next as Record<string, unknown>)[k]) return true
      return false
    }

    override render (props: P): ComponentChildren {
      return h(render as FunctionComponent<any>, props)
    }
  }
  return Pure as unknown as FunctionComponent<P>
}

export function formatTime (ms: number): string {
  const d = new Date(ms)
  return `${d.toLocaleTimeString(undefined, { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`
}

export function formatBytes (n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}
