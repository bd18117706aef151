import { readFileSync } from 'node:fs'

/** Linux reports thread CPU in clock ticks of 1/100 s (USER_HZ, fixed at 100 on every mainstream kernel). */
const MS_PER_TICK = 10

/**
 * CPU time (user + system) this thread has used, ms, from /proc/thread-self/stat;
 * -1 where that does not exist. Node 20 has no per-thread CPU call, and
 * process.cpuUsage() sums all threads, which hides one saturated worker.
 */
export function threadCpuMs (): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8')
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK
  } catch {
    return -1
  }
}
