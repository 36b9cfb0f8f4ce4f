import type { AddRequest } from '../protocol/model.ts'
import { normalizeUrlKey, parseDownloadUrl } from '../protocol/url.ts'

/** A URL to add, with the line it came from (1-based) and the options its list gave it. */
export type ListEntry = { line: number; request: AddRequest }

/** A line that was refused, and why. Nothing from a refused line is downloaded. */
export type ListProblem = { line: number; message: string }

/** A URL given again later in the list: merged into the first one, which is the one added. */
export type ListDuplicate = {
  line: number
  firstLine: number
  url: string
  /** The later occurrence set options (out=, checksum=, header=) that the first one's replace. */
  optionsIgnored: boolean
}

/** What a list (a file, a paste, a drop) holds: the same answer for the CLI and the window. */
export type ParsedList = {
  entries: ListEntry[]
  problems: ListProblem[]
  duplicates: ListDuplicate[]
}

/**
 * Keeps the first entry of each URL (scheme and host case, default port and fragment do not make
 * a different download: `normalizeUrlKey`) and records the others as merged into it.
 */
export function mergeDuplicates(
  entries: ListEntry[],
  /** Each entry's key when the caller has it already (parsing a URL again costs). */
  keys?: readonly string[],
): {
  entries: ListEntry[]
  duplicates: ListDuplicate[]
} {
  const first = new Map<string, ListEntry>()
  const kept: ListEntry[] = []
  const duplicates: ListDuplicate[] = []
  for (const [index, entry] of entries.entries()) {
    const key = keys?.[index] ?? normalizeUrlKey(parseDownloadUrl(entry.request.url))
    const earlier = first.get(key)
    if (!earlier) {
      first.set(key, entry)
      kept.push(entry)
      continue
    }
    const { url: _url, ...options } = entry.request
    duplicates.push({
      line: entry.line,
      firstLine: earlier.line,
      url: entry.request.url,
      optionsIgnored: Object.keys(options).length > 0,
    })
  }
  return { entries: kept, duplicates }
}
