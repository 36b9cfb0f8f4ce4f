import { normalizeUrlKey, parseDownloadUrl } from '../protocol/url.ts'
import { mergeDuplicates, type ParsedList } from './parsed-list.ts'

/** A list with nothing in it. */
export const EMPTY_LIST: ParsedList = { entries: [], problems: [], duplicates: [] }

/** How many numbered lines a list from `numberLinks` takes: one a link, repeats included. */
export function linkLines(list: ParsedList): number {
  return list.entries.length + list.duplicates.length
}

/**
 * Links read on the way in (a dropped page's, or a dropped HTML file's), numbered as the add
 * dialog shows them: one line a link, the links first and their repeats after, each repeat
 * naming the line of the link it repeats. The same numbering their text, one link a line, got
 * when it was read again; kept parsed, they are not. Problems are not kept: they are told when
 * read.
 */
export function numberLinks(list: ParsedList): ParsedList {
  const lineOf = new Map<string, number>()
  const entries = list.entries.map((entry, i) => {
    lineOf.set(normalizeUrlKey(parseDownloadUrl(entry.request.url)), i + 1)
    return { line: i + 1, request: entry.request }
  })
  const duplicates = list.duplicates.map((d, i) => ({
    ...d,
    line: entries.length + i + 1,
    firstLine: lineOf.get(normalizeUrlKey(parseDownloadUrl(d.url))) ?? d.firstLine,
  }))
  return { entries, problems: [], duplicates }
}

/**
 * Two lists as one, `b`'s lines after the first `offset` lines (`a`'s): a URL in both is kept
 * once, where it came first, and every repeat names the first line of its URL. The same answer
 * as reading their texts joined, without reading either again.
 */
export function joinLists(a: ParsedList, b: ParsedList, offset: number): ParsedList {
  if (b.entries.length === 0 && b.problems.length === 0 && b.duplicates.length === 0) return a
  // Nothing dropped (the common case, and a 10,000-line paste): no URL is read again.
  if (a.entries.length === 0 && a.problems.length === 0 && offset === 0) return b
  const shifted = b.entries.map((e) => ({ line: e.line + offset, request: e.request }))
  const merged = mergeDuplicates([...a.entries, ...shifted])
  // A repeat within `b` whose first is now a repeat of `a`'s names `a`'s line instead.
  const firstOf = new Map(merged.duplicates.map((d) => [d.line, d.firstLine]))
  const bRepeats = b.duplicates.map((d) => {
    const first = d.firstLine + offset
    return { ...d, line: d.line + offset, firstLine: firstOf.get(first) ?? first }
  })
  return {
    entries: merged.entries,
    problems: [...a.problems, ...b.problems.map((p) => ({ ...p, line: p.line + offset }))],
    duplicates: [...a.duplicates, ...merged.duplicates, ...bRepeats].sort(
      (x, y) => x.line - y.line,
    ),
  }
}
