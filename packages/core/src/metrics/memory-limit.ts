import { readFileSync } from 'node:fs'
import { totalmem } from 'node:os'

/** Above this a cgroup "limit" is the kernel's way of saying unlimited (v1 uses ~2^63). */
const UNLIMITED_THRESHOLD_BYTES = 2 ** 60

/**
 * The memory this process may use: the container's cgroup limit (v2, then v1)
 * when one is set, otherwise the machine's memory. Read once at start; the
 * "memory near limit" alert divides resident memory by it.
 */
export function readMemoryLimitBytes (): number {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const text = readFileSync(file, 'utf8').trim()
      if (text === 'max') break
      const value = Number(text)
      if (Number.isFinite(value) && value > 0 && value < UNLIMITED_THRESHOLD_BYTES) return value
    } catch {
      // not in a cgroup with this layout; try the next
    }
  }
  return totalmem()
}
