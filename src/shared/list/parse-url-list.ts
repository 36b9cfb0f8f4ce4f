import type { AddRequest } from '../protocol/model.ts'
import { normalizeUrlKey, parseDownloadUrl } from '../protocol/url.ts'
import { checksumSpecProblem, parseChecksumSpec } from './checksum-spec.ts'
import { fileNameProblem } from './file-name-check.ts'
import { parseHeaderLine } from './header-line.ts'
import {
  mergeDuplicates,
  type ListEntry,
  type ListProblem,
  type ParsedList,
} from './parsed-list.ts'

/** Line ends as any editor writes them: LF, CRLF, and CR alone (classic Mac, some exports). */
export const LINE_END = /\r\n|\r|\n/

/** Something that starts like a URL (`scheme:`), as opposed to a word. */
const SCHEME_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:/

/**
 * Between URLs: whitespace, or a comma next to whitespace or before the next URL's scheme (a
 * comma inside a URL, as in `?ids=1,2`, stays part of it).
 */
const SEPARATOR = /\s*,\s*(?=[A-Za-z][A-Za-z0-9+.-]*:\/\/)|\s*,\s+|\s+/

type Pending = { line: number; requests: AddRequest[]; keys: string[]; rejected: boolean }

/**
 * Parses a list of URLs in the aria2 input-file manner, shared by `downpour get -i` and the
 * window's add dialog:
 * - blank lines and `#` comments are skipped; CR, LF and CRLF all end a line; a BOM is dropped;
 * - a line may hold several URLs separated by whitespace or commas;
 * - indented lines after a URL line set its options: `out=NAME` (`o=`), `checksum=ALGO=HEX`,
 *   `header=Name: value` (repeatable);
 * - a bad line is a problem with its line number and reason; a URL whose option line is bad is
 *   not downloaded at all (an unverified or misnamed file is worse than none), and the problem
 *   names the option's own line;
 * - a URL given twice is kept once, the later line recorded as merged into the first.
 *
 * `invalidLines` are lines whose bytes were not UTF-8 (`decodeListBytes`): refused, never
 * read with U+FFFD in them. Linear in the input; never throws.
 */
export function parseUrlList(
  text: string,
  options: { invalidLines?: ReadonlySet<number> } = {},
): ParsedList {
  const problems: ListProblem[] = []
  const all: Pending[] = []
  let current: Pending | null = null
  // Set after a refused URL line: its option lines are skipped, not applied to an earlier URL.
  let skipOptions = false
  const lines = text.replace(/^\uFEFF/, '').split(LINE_END)
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!
    const line = index + 1
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    const invalid = options.invalidLines?.has(line) ?? false
    if (/^\s/.test(raw)) {
      if (skipOptions) continue
      if (!current) {
        problems.push({ line, message: `option line "${trimmed}" does not follow a URL` })
        continue
      }
      const problem = invalid ? NOT_UTF8 : applyOption(current.requests, trimmed)
      if (problem) {
        problems.push({ line, message: `${problem}; ${rejectedUrls(current)} not downloaded` })
        current.rejected = true
      }
      continue
    }
    current = null
    skipOptions = true
    if (invalid) {
      problems.push({ line, message: NOT_UTF8 })
      continue
    }
    const { urls, keys, problems: bad } = urlsOfLine(trimmed)
    for (const message of bad) problems.push({ line, message })
    if (urls.length === 0) continue
    current = { line, requests: urls.map((url) => ({ url })), keys, rejected: false }
    skipOptions = false
    all.push(current)
  }
  const entries: ListEntry[] = []
  const keys: string[] = []
  for (const pending of all) {
    if (pending.rejected) continue
    for (const request of pending.requests) entries.push({ line: pending.line, request })
    keys.push(...pending.keys)
  }
  const merged = mergeDuplicates(entries, keys)
  problems.sort((a, b) => a.line - b.line)
  return { entries: merged.entries, problems, duplicates: merged.duplicates }
}

const NOT_UTF8 = 'holds bytes that are not UTF-8 (save the list as UTF-8)'

function rejectedUrls(pending: Pending): string {
  return pending.requests.length === 1
    ? `the URL on line ${pending.line} is`
    : `the ${pending.requests.length} URLs on line ${pending.line} are`
}

/**
 * The URLs of one (trimmed, non-comment) line, and a reason for each piece that is not one. The
 * line is split only when two or more pieces start like URLs: a lone URL with a space in its path
 * stays one URL (as browsers read it), and "not a url at all" is one bad line, not five.
 */
function urlsOfLine(text: string): { urls: string[]; keys: string[]; problems: string[] } {
  // Most lines are one URL: no splitting to do.
  const tokens = /[\s,]/.test(text)
    ? text
        .split(SEPARATOR)
        .map(unquote)
        .filter((t) => t !== '')
    : [text]
  const urlLike = tokens.filter((t) => SCHEME_PREFIX.test(t.replace(/^</, ''))).length
  const pieces = urlLike >= 2 ? tokens : [unquote(text)]
  const urls: string[] = []
  const keys: string[] = []
  const problems: string[] = []
  for (const piece of pieces) {
    try {
      keys.push(normalizeUrlKey(parseDownloadUrl(piece)))
      urls.push(piece)
    } catch (error) {
      problems.push((error as Error).message)
    }
  }
  return { urls, keys, problems }
}

/** `"https://…"` or `'https://…'` (a spreadsheet's export) → the URL inside. */
function unquote(token: string): string {
  const match = /^(["'])(.*)\1$/.exec(token)
  return match ? match[2]! : token
}

/** Applies `name=value` to the line's URLs; the reason it cannot, or null. */
function applyOption(requests: AddRequest[], option: string): string | null {
  const eq = option.indexOf('=')
  if (eq <= 0) return `expected NAME=VALUE, got "${option}"`
  const name = option.slice(0, eq).trim().toLowerCase()
  const value = option.slice(eq + 1).trim()
  switch (name) {
    case 'out':
    case 'o': {
      const problem = fileNameProblem(value)
      if (problem) return `out= ${problem}, got "${value}"`
      if (requests.length > 1)
        return `out= names one file but its line holds ${requests.length} URLs`
      requests[0]!.name = value
      return null
    }
    case 'checksum': {
      const checksum = parseChecksumSpec(value)
      if (!checksum) return `checksum= ${checksumSpecProblem(value)}`
      for (const request of requests) request.checksum = checksum
      return null
    }
    case 'header': {
      const header = parseHeaderLine(value)
      if (!header.ok) return `header= ${header.problem}, got "${value}"`
      for (const request of requests)
        request.headers = { ...request.headers, [header.name]: header.value }
      return null
    }
    default:
      return `unknown option "${name}" (known: out, checksum, header)`
  }
}
