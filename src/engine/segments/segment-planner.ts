import type { ByteRange } from './byte-ranges.ts'

/**
 * Where the next connection of a segmented download should fetch from. Pure; property-tested.
 *
 * An active segment is `[pos, end)`: `pos` is the next byte its connection will receive, `end`
 * the first byte it must not fetch. Work is handed out in this order:
 *  1. an unassigned gap (bytes nobody has or fetches), from its start;
 *  2. otherwise the upper half of the active segment with the most bytes left, if both halves
 *     keep at least `minSplit` bytes — the victim's `end` is lowered in place, its connection
 *     stops there (IDM/Gopeed-style dynamic splitting: no connection idles while another still
 *     has a long way to go, and one slow connection never holds the finish).
 */
export type ActiveSegment = { id: number; pos: number; end: number }

export type WorkAssignment =
  | { kind: 'gap'; range: ByteRange }
  | { kind: 'split'; range: ByteRange; victimId: number; victimEnd: number }
  | { kind: 'none' }

export function pickWork(
  gaps: readonly ByteRange[],
  active: readonly ActiveSegment[],
  minSplit: number,
): WorkAssignment {
  const gap = gaps.find((g) => g.end > g.start)
  if (gap) return { kind: 'gap', range: { start: gap.start, end: gap.end } }
  let victim: ActiveSegment | null = null
  for (const segment of active) {
    if (!victim || segment.end - segment.pos > victim.end - victim.pos) victim = segment
  }
  if (!victim) return { kind: 'none' }
  const remaining = victim.end - victim.pos
  if (remaining < 2 * minSplit) return { kind: 'none' }
  const cut = victim.pos + Math.ceil(remaining / 2)
  return {
    kind: 'split',
    range: { start: cut, end: victim.end },
    victimId: victim.id,
    victimEnd: cut,
  }
}

/**
 * Splits one range into `count` near-equal parts, none below `minSplit` (fewer parts if needed).
 * Used to seed the gaps when several connections open at once.
 */
export function splitEvenly(range: ByteRange, count: number, minSplit: number): ByteRange[] {
  const length = range.end - range.start
  const parts = Math.max(1, Math.min(count, Math.floor(length / Math.max(1, minSplit))))
  const out: ByteRange[] = []
  for (let i = 0; i < parts; i++) {
    const start = range.start + Math.floor((length * i) / parts)
    const end = range.start + Math.floor((length * (i + 1)) / parts)
    if (end > start) out.push({ start, end })
  }
  return out
}
