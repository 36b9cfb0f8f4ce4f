/**
 * Sets of byte ranges, half-open `[start, end)`, kept sorted and merged. The control file stores
 * the durable set; the planner works on its complement. Pure functions, property-tested.
 */
export type ByteRange = { start: number; end: number }

/** Adds `range` to a sorted, merged set; returns a new sorted, merged set. */
export function addRange(set: readonly ByteRange[], range: ByteRange): ByteRange[] {
  if (range.end <= range.start) return set.slice()
  const out: ByteRange[] = []
  let { start, end } = range
  let placed = false
  for (const r of set) {
    if (r.end < start) out.push(r)
    else if (r.start > end) {
      if (!placed) {
        out.push({ start, end })
        placed = true
      }
      out.push(r)
    } else {
      start = Math.min(start, r.start)
      end = Math.max(end, r.end)
    }
  }
  if (!placed) out.push({ start, end })
  return out
}

/** Normalizes any list of ranges (unsorted, overlapping, empty) into a sorted, merged set. */
export function normalizeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  return ranges.reduce<ByteRange[]>((set, r) => addRange(set, r), [])
}

/** The parts of `[0, size)` not covered by `set`. */
export function missingRanges(set: readonly ByteRange[], size: number): ByteRange[] {
  const out: ByteRange[] = []
  let cursor = 0
  for (const r of set) {
    if (r.start >= size) break
    if (r.start > cursor) out.push({ start: cursor, end: r.start })
    cursor = Math.max(cursor, r.end)
  }
  if (cursor < size) out.push({ start: cursor, end: size })
  return out
}

export function totalBytes(set: readonly ByteRange[]): number {
  let sum = 0
  for (const r of set) sum += r.end - r.start
  return sum
}

/** Length of the prefix `[0, n)` that `set` covers without a gap. */
export function coveredPrefix(set: readonly ByteRange[]): number {
  const first = set[0]
  return first && first.start === 0 ? first.end : 0
}

/** `set` without the bytes of `range`. */
export function subtractRange(set: readonly ByteRange[], range: ByteRange): ByteRange[] {
  const out: ByteRange[] = []
  for (const r of set) {
    if (r.end <= range.start || r.start >= range.end) {
      out.push(r)
      continue
    }
    if (r.start < range.start) out.push({ start: r.start, end: range.start })
    if (r.end > range.end) out.push({ start: range.end, end: r.end })
  }
  return out
}
