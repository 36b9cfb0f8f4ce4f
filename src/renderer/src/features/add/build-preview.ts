import { LINE_END } from '../../../../shared/list/parse-url-list.ts'
import type { ParsedList } from '../../../../shared/list/parsed-list.ts'
import type { AddRequest } from '../../../../shared/protocol/model.ts'
import { normalizeUrlKey, parseDownloadUrl } from '../../../../shared/protocol/url.ts'

export type PreviewRow =
  | { kind: 'ok'; line: number; url: string }
  | { kind: 'invalid'; line: number; text: string; reason: string }
  | { kind: 'duplicate'; line: number; url: string; of: number }
  /** A URL the queue holds already: `existingId` is the newest download of it. */
  | { kind: 'queued'; line: number; url: string; key: string; existingId: string }

export type Preview = {
  /** What "Add" sends: valid, first occurrence, not already in the queue. */
  requests: AddRequest[]
  /** The lines already in the queue, each with its request: what "Download again" sends. */
  queued: { key: string; existingId: string; request: AddRequest }[]
  rows: PreviewRow[]
  /** Lines with at least one problem (one line with two bad links is one line to fix). */
  invalid: number
  duplicates: number
}

/**
 * What the add dialog shows before anything starts, from the shared list parser's answer (the
 * same reading as `downpour get -i`): every line that counts, in line order, with duplicates
 * within the list marked and left out, the URLs the queue holds (`queued`: URL key → newest
 * download of it) marked and set aside for the person's choice, and each bad line with its
 * text and reason.
 */
export function buildPreview(
  parsed: ParsedList,
  text: string,
  queued: ReadonlyMap<string, string>,
  /** Lines before `text`'s first (the dropped links'): a problem's line is `text`'s + this. */
  offset = 0,
): Preview {
  const requests: AddRequest[] = []
  const inQueue: Preview['queued'] = []
  const rows: PreviewRow[] = []
  let duplicates = parsed.duplicates.length
  for (const { line, request } of parsed.entries) {
    // The parser accepted it, so it parses; the key says whether the queue has it already.
    const key = normalizeUrlKey(parseDownloadUrl(request.url))
    const existingId = queued.get(key)
    if (existingId !== undefined) {
      rows.push({ kind: 'queued', line, url: request.url, key, existingId })
      inQueue.push({ key, existingId, request })
      duplicates++
    } else {
      rows.push({ kind: 'ok', line, url: request.url })
      requests.push(request)
    }
  }
  for (const d of parsed.duplicates)
    rows.push({ kind: 'duplicate', line: d.line, url: d.url, of: d.firstLine })
  if (parsed.problems.length > 0) {
    const lines = text.replace(/^\uFEFF/, '').split(LINE_END)
    for (const p of parsed.problems)
      rows.push({
        kind: 'invalid',
        line: p.line,
        text: lines[p.line - 1 - offset]?.trim() ?? '',
        reason: p.message,
      })
  }
  // Stable: a line's URLs, then its duplicates, then its problems.
  rows.sort((a, b) => a.line - b.line)
  const invalid = new Set(parsed.problems.map((p) => p.line)).size
  return { requests, queued: inQueue, rows, invalid, duplicates }
}
