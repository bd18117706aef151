import type { Logger } from '../logger.js'

/**
 * One warning per burst of drops (the first message dropped), and one line
 * when the buffer takes messages again, with how many were lost in between:
 * a full buffer under load must not turn into a log line per message.
 */
export interface DropLog {
  dropped: () => void
  accepted: () => void
}

export function createDropLog (log: Logger, bound: number): DropLog {
  let inBurst = 0
  return {
    dropped: () => {
      if (inBurst++ === 0) log.warn({ outboundBufferSize: bound }, 'bridge: outbound buffer full; dropping new messages until the remote catches up')
    },
    accepted: () => {
      if (inBurst === 0) return
      log.warn({ dropped: inBurst }, 'bridge: outbound buffer takes messages again')
      inBurst = 0
    }
  }
}
