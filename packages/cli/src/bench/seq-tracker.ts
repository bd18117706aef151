/**
 * Exact loss and duplicate counting for one receiving client: one bit per
 * (publisher, sequence number) seen. Memory is one bit per message sent, so a
 * 10-minute run at 100k msg/s costs 7.5 MB per subscriber that sees it all.
 */
export interface SeqCounts {
  /** Distinct (publisher, seq) pairs received. */
  unique: number
  /** Copies of a pair already received. */
  duplicates: number
  /** Messages with no bench header, or another run's. */
  foreign: number
  /** Per publisher id: highest seq seen + 1 (what was at least sent), for `sub` without a sender count. */
  seenUpTo: Record<number, number>
}

export class SeqTracker {
  readonly #seen = new Map<number, Uint8Array>()
  readonly #upTo = new Map<number, number>()
  unique = 0
  duplicates = 0
  foreign = 0

  /** Returns false for a duplicate. */
  record (publisherId: number, seq: number): boolean {
    let bits = this.#seen.get(publisherId)
    const byte = seq >>> 3
    if (!bits || byte >= bits.length) bits = this.#grow(publisherId, bits, byte)
    const mask = 1 << (seq & 7)
    const current = bits[byte] ?? 0
    if (current & mask) {
      this.duplicates++
      return false
    }
    bits[byte] = current | mask
    this.unique++
    if (seq + 1 > (this.#upTo.get(publisherId) ?? 0)) this.#upTo.set(publisherId, seq + 1)
    return true
  }

  recordForeign (): void {
    this.foreign++
  }

  counts (): SeqCounts {
    return { unique: this.unique, duplicates: this.duplicates, foreign: this.foreign, seenUpTo: Object.fromEntries(this.#upTo) }
  }

  #grow (publisherId: number, old: Uint8Array | undefined, byte: number): Uint8Array {
    let size = Math.max(old?.length ?? 0, 1024)
    while (size <= byte) size *= 2
    const bits = new Uint8Array(size)
    if (old) bits.set(old)
    this.#seen.set(publisherId, bits)
    return bits
  }
}
