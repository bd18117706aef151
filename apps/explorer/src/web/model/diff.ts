export interface DiffLine {
  op: 'same' | 'add' | 'del'
  text: string
}

/** Above this many lines per side a full LCS table is too costly for a UI thread. */
export const MAX_DIFF_LINES = 1500

/**
 * Line diff by longest common subsequence: the classic O(n·m) table, bounded by
 * MAX_DIFF_LINES. Common head and tail lines are trimmed first, which makes the
 * usual case (one field changed in a JSON document) nearly free.
 */
export function diffLines (before: string, after: string): DiffLine[] {
  const a = before.split('\n')
  const b = after.split('\n')
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tail = 0
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++
  const out: DiffLine[] = a.slice(0, head).map((text) => ({ op: 'same', text }))
  const midA = a.slice(head, a.length - tail)
  const midB = b.slice(head, b.length - tail)
  if (midA.length > MAX_DIFF_LINES || midB.length > MAX_DIFF_LINES) {
    for (const text of midA) out.push({ op: 'del', text })
    for (const text of midB) out.push({ op: 'add', text })
  } else {
    out.push(...lcsDiff(midA, midB))
  }
  for (const text of a.slice(a.length - tail)) out.push({ op: 'same', text })
  return out
}

function lcsDiff (a: string[], b: string[]): DiffLine[] {
  const n = a.length
  const m = b.length
  // lengths[i][j] = LCS length of a[i..] and b[j..], in one flat array.
  const w = m + 1
  const lengths = new Uint32Array((n + 1) * w)
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * w + j] = a[i] === b[j]
        ? (lengths[(i + 1) * w + j + 1] as number) + 1
        : Math.max(lengths[(i + 1) * w + j] as number, lengths[i * w + j + 1] as number)
    }
  }
  const out: DiffLine[] = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: 'same', text: a[i] as string })
      i++
      j++
    } else if ((lengths[(i + 1) * w + j] as number) >= (lengths[i * w + j + 1] as number)) {
      out.push({ op: 'del', text: a[i++] as string })
    } else {
      out.push({ op: 'add', text: b[j++] as string })
    }
  }
  while (i < n) out.push({ op: 'del', text: a[i++] as string })
  while (j < m) out.push({ op: 'add', text: b[j++] as string })
  return out
}
