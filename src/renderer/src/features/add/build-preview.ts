import type { AddRequest } from '../../../../shared/protocol/model.ts'
import type { ParsedList } from './parse-dropped.ts'

export type PreviewRow =
  | { kind: 'ok'; line: number; url: string }
  | { kind: 'invalid'; line: number; text: string; reason: string }
  | { kind: 'duplicate'; line: number; url: string; of: number | 'queue' }

export type Preview = {
  /** What "Add" sends: valid, first occurrence, not already in the queue. */
  requests: AddRequest[]
  rows: PreviewRow[]
  invalid: number
  duplicates: number
}

/**
 * What the add dialog shows before anything starts: every line that counts, in line order, with
 * duplicates (within the list, or of a download already queued) marked and left out.
 */
export function buildPreview(parsed: ParsedList, queued: ReadonlySet<string>): Preview {
  const firstLine = new Map<string, number>()
  const requests: AddRequest[] = []
  const rows: PreviewRow[] = []
  let duplicates = 0
  for (const entry of parsed.entries) {
    const url = entry.request.url
    const seen = firstLine.get(entry.key)
    if (seen !== undefined) {
      rows.push({ kind: 'duplicate', line: entry.line, url, of: seen })
      duplicates++
    } else if (queued.has(entry.key)) {
      firstLine.set(entry.key, entry.line)
      rows.push({ kind: 'duplicate', line: entry.line, url, of: 'queue' })
      duplicates++
    } else {
      firstLine.set(entry.key, entry.line)
      rows.push({ kind: 'ok', line: entry.line, url })
      requests.push(entry.request)
    }
  }
  for (const problem of parsed.problems)
    rows.push({ kind: 'invalid', line: problem.line, text: problem.text, reason: problem.message })
  // Stable: entries of one line keep their order; problems of a line come after its URLs.
  rows.sort((a, b) => a.line - b.line)
  // Counted per line: one line with two bad links is one line to fix.
  const invalid = new Set(parsed.problems.map((problem) => problem.line)).size
  return { requests, rows, invalid, duplicates }
}
