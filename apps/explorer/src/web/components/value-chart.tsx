import type { Point } from '../model/numeric.js'

const WIDTH = 600
const HEIGHT = 180
const PAD = { left: 56, right: 12, top: 12, bottom: 26 }

/**
 * Values over time as an SVG line: a hand-rolled chart keeps the bundle small
 * (a charting library would outweigh the rest of the page).
 */
export function ValueChart ({ points, label }: { points: Point[], label: string }) {
  if (points.length === 0) return <div class='muted'>No numeric values for {label} in the history.</div>
  const t0 = (points[0] as Point).t
  const t1 = (points[points.length - 1] as Point).t
  let lo = Infinity
  let hi = -Infinity
  for (const p of points) {
    if (p.v < lo) lo = p.v
    if (p.v > hi) hi = p.v
  }
  const [minV, maxV] = [lo, hi]
  if (lo === hi) { lo -= 1; hi += 1 }
  const plotW = WIDTH - PAD.left - PAD.right
  const plotH = HEIGHT - PAD.top - PAD.bottom
  const x = (t: number): number => PAD.left + (t1 === t0 ? plotW / 2 : ((t - t0) / (t1 - t0)) * plotW)
  const y = (v: number): number => PAD.top + (1 - (v - lo) / (hi - lo)) * plotH
  const line = points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ')
  const last = points[points.length - 1] as Point
  return (
    <figure class='chart' data-testid='chart' data-points={points.length}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role='img' aria-label={`${label} over time`}>
        <line class='axis' x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={HEIGHT - PAD.bottom} />
        <line class='axis' x1={PAD.left} y1={HEIGHT - PAD.bottom} x2={WIDTH - PAD.right} y2={HEIGHT - PAD.bottom} />
        <text class='tick' x={PAD.left - 6} y={PAD.top + 4} text-anchor='end'>{fmt(hi)}</text>
        <text class='tick' x={PAD.left - 6} y={HEIGHT - PAD.bottom} text-anchor='end'>{fmt(lo)}</text>
        <text class='tick' x={PAD.left} y={HEIGHT - 8}>{new Date(t0).toLocaleTimeString(undefined, { hour12: false })}</text>
        <text class='tick' x={WIDTH - PAD.right} y={HEIGHT - 8} text-anchor='end'>{new Date(t1).toLocaleTimeString(undefined, { hour12: false })}</text>
        <polyline class='series' points={line} />
        {points.length <= 60 && points.map((p, i) => <circle key={i} class='dot' cx={x(p.t)} cy={y(p.v)} r={2.5} />)}
      </svg>
      <figcaption>{label}: last {fmt(last.v)}, min {fmt(minV)}, max {fmt(maxV)}, {points.length} points</figcaption>
    </figure>
  )
}

function fmt (v: number): string {
  return Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(Math.round(v * 1000) / 1000)
}
