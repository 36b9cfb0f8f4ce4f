import { MAX_MIRRORS, type AddRequest } from '../protocol/model.ts'
import { normalizeUrlKey, parseDownloadUrl } from '../protocol/url.ts'
import { checksumSpecProblem, parseChecksumSpec } from './checksum-spec.ts'
import { fileNameProblem } from './file-name-check.ts'
import { parseHeaderLine } from './header-line.ts'
import type { ParsedList } from './parsed-list.ts'
import { SeenUrls } from './seen-urls.ts'

/** Line ends as any editor writes them: LF, CRLF, and CR alone (classic Mac, some exports). */
export const LINE_END = /\r\n|\r|\n/

/** Something that starts like a URL (`scheme:`), as opposed to a word. */
const SCHEME_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:/

/**
 * Between URLs: whitespace, or a comma next to whitespace or before the next URL's scheme (a
 * comma inside a URL, as in `?ids=1,2`, stays part of it).
 */
const SEPARATOR = /\s*,\s*(?=[A-Za-z][A-Za-z0-9+.-]*:\/\/)|\s*,\s+|\s+/

type Pending = {
  line: number
  /** Where the line starts in the text (to read its keys again). */
  offset: number
  requests: AddRequest[]
  keys: string[]
  rejected: boolean
}

/** Every line end, for reading a line at a time (`LINE_END` with a cursor). */
const LINE_ENDS = /\r\n|\r|\n/g

/**
 * Parses a list of URLs in the aria2 input-file manner, shared by `downpour get -i` and the
 * window's add dialog:
 * - blank lines and `#` comments are skipped; CR, LF and CRLF all end a line; a BOM is dropped;
 * - a line may hold several URLs separated by whitespace or commas;
 * - indented lines after a URL line set its options: `out=NAME` (`o=`), `checksum=ALGO=HEX`,
 *   `header=Name: value` (repeatable), `mirror=URL` (another source of the same file,
 *   repeatable);
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
  const { entries, problems, duplicates } = new UrlListReader(text, options).read(Infinity)
  return { entries, problems, duplicates }
}

/**
 * `parseUrlList` a piece at a time: each `read(n)` parses just enough lines for `n` more entries
 * (or to the end), so a 100,000-line list can have its first downloads running before the rest
 * is parsed, and no piece outlives its being added. The pieces, concatenated, are exactly what
 * `parseUrlList` returns for the whole text (duplicates are merged across pieces).
 */
export class UrlListReader {
  #text: string
  #invalidLines: ReadonlySet<number> | undefined
  /** Where the next line starts in `#text` (-1: no more lines), and the last line's number. */
  #at: number
  #line = 0
  /** The last URL line, held until its option lines have been read (a bad one rejects it). */
  #current: Pending | null = null
  /** Set after a refused URL line: its option lines are skipped, not applied to an earlier URL. */
  #skipOptions = false
  /** Where the line being parsed starts in `#text`. */
  #lineStart = 0
  /** Each URL's key → the line it was first given on. */
  #first = new SeenUrls((offset) => this.#keysOfLineAt(offset))
  #done = false

  constructor(text: string, options: { invalidLines?: ReadonlySet<number> } = {}) {
    this.#text = text
    this.#at = text.startsWith('\uFEFF') ? 1 : 0
    this.#invalidLines = options.invalidLines
  }

  /** True once every line has been read and returned. */
  get done(): boolean {
    return this.#done
  }

  /** The next entries (at least `max` unless the list ends), with the problems and merges met. */
  read(max: number): ParsedList & { done: boolean } {
    const piece: ParsedList = { entries: [], problems: [], duplicates: [] }
    while (!this.#done && piece.entries.length < max) {
      const raw = this.#nextLine()
      if (raw === null) {
        this.#finish(this.#current, piece)
        this.#current = null
        this.#done = true
        // The text is no longer needed: a long list's string is not held for the whole run.
        this.#text = ''
        this.#first.clear()
        break
      }
      this.#parseLine(raw, this.#line, piece)
    }
    return { ...piece, done: this.#done }
  }

  /** The next line (as `text.split(LINE_END)` would give it), or null after the last. */
  #nextLine(): string | null {
    const text = this.#text
    const at = this.#at
    if (at < 0) return null
    this.#line++
    this.#lineStart = at
    LINE_ENDS.lastIndex = at
    const end = LINE_ENDS.exec(text)
    if (end === null) {
      this.#at = -1
      return text.slice(at)
    }
    this.#at = end.index + end[0].length
    return text.slice(at, end.index)
  }

  #parseLine(raw: string, line: number, piece: ParsedList): void {
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) return
    const invalid = this.#invalidLines?.has(line) ?? false
    if (/^\s/.test(raw)) {
      if (this.#skipOptions) return
      const current = this.#current
      if (!current) {
        piece.problems.push({ line, message: `option line "${trimmed}" does not follow a URL` })
        return
      }
      const problem = invalid ? NOT_UTF8 : applyOption(current.requests, trimmed)
      if (problem) {
        piece.problems.push({
          line,
          message: `${problem}; ${rejectedUrls(current)} not downloaded`,
        })
        current.rejected = true
      }
      return
    }
    // A URL line: the one before has all its options now.
    this.#finish(this.#current, piece)
    this.#current = null
    this.#skipOptions = true
    if (invalid) {
      piece.problems.push({ line, message: NOT_UTF8 })
      return
    }
    const { urls, keys, problems: bad } = urlsOfLine(trimmed)
    for (const message of bad) piece.problems.push({ line, message })
    if (urls.length === 0) return
    this.#current = {
      line,
      offset: this.#lineStart,
      requests: urls.map((url) => ({ url })),
      keys,
      rejected: false,
    }
    this.#skipOptions = false
  }

  /** A URL line whose options are all read: its URLs are entries, or merged into earlier ones. */
  #finish(pending: Pending | null, piece: ParsedList): void {
    if (!pending || pending.rejected) return
    pending.requests.forEach((request, index) => {
      const key = pending.keys[index]!
      const firstLine = this.#first.firstLineOrAdd(key, pending.line, pending.offset)
      if (firstLine === undefined) {
        piece.entries.push({ line: pending.line, request })
        return
      }
      const { url: _url, ...options } = request
      piece.duplicates.push({
        line: pending.line,
        firstLine,
        url: request.url,
        optionsIgnored: Object.keys(options).length > 0,
      })
    })
  }

  /** The keys of the URL line starting at `offset` (read again to confirm a repeat). */
  #keysOfLineAt(offset: number): string[] {
    LINE_ENDS.lastIndex = offset
    const end = LINE_ENDS.exec(this.#text)
    return urlsOfLine(this.#text.slice(offset, end ? end.index : undefined).trim()).keys
  }
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
    case 'mirror': {
      if (requests.length > 1)
        return `mirror= names another source of one file but its line holds ${requests.length} URLs`
      const request = requests[0]!
      try {
        parseDownloadUrl(value)
      } catch (error) {
        return `mirror= ${(error as Error).message}`
      }
      const mirrors = request.mirrors ?? []
      if (mirrors.length >= MAX_MIRRORS)
        return `mirror= at most ${MAX_MIRRORS} mirrors per URL, got "${value}"`
      request.mirrors = [...mirrors, value]
      return null
    }
    default:
      return `unknown option "${name}" (known: out, checksum, header, mirror)`
  }
}
