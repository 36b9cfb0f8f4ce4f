import type { RecordedRequest } from './fault-server.ts'

type Range = { start: number; end: number }

/**
 * What is wrong with the requests a resumed segmented download made, judged against the ranges
 * that were missing when it resumed (half-open, sorted) and the split size; [] when nothing.
 * For a run in which no connection failed:
 * - every request asks for a single byte range inside one missing range (nothing held is
 *   fetched again, nothing is asked for without a Range);
 * - no two requests start at the same byte: no range is asked for twice (a split, a steal or
 *   a replacement each starts where nothing was asked from before);
 * - there are at most as many requests as the segment planner can plan: one per missing
 *   range, plus one per split, and each split leaves both sides at least `minSplit` bytes, so
 *   at most ⌊missing bytes / minSplit⌋ splits.
 */
export function resumeRequestProblems(
  requests: readonly RecordedRequest[],
  missing: readonly Range[],
  size: number,
  minSplit: number,
): string[] {
  const problems: string[] = []
  const starts = new Set<number>()
  for (const r of requests) {
    const asked = `${r.headers.range ?? 'no Range'} (connection ${r.connectionId})`
    if (!r.range || r.range.start < 0 || Object.is(r.range.start, -0)) {
      problems.push(`not a byte range from an offset: ${asked}`)
      continue
    }
    const end = (r.range.end ?? size - 1) + 1
    if (!missing.some((m) => m.start <= r.range!.start && end <= m.end)) {
      problems.push(`outside the missing ranges: ${asked}`)
    }
    if (starts.has(r.range.start)) problems.push(`asked for again: ${asked}`)
    starts.add(r.range.start)
  }
  const bytes = missing.reduce((sum, m) => sum + m.end - m.start, 0)
  const planned = missing.length + Math.floor(bytes / minSplit)
  if (requests.length > planned) {
    problems.push(
      `${requests.length} requests, more than the ${planned} the planner can plan for ${missing.length} missing ranges of ${bytes} bytes`,
    )
  }
  return problems
}
