import type { AddRequest } from '../../../../shared/protocol/model.ts'
import { normalizeUrlKey, parseDownloadUrl } from '../../../../shared/protocol/url.ts'

/**
 * The one place the window reads a URL list. Until the shared list parser (the CLI's input-file
 * format moved to src/shared) is in main, this is a local reading of the same format; it will
 * be replaced by a call to the shared one with the same result shape.
 */

export type ParsedEntry = { line: number; request: AddRequest; key: string }
export type ParsedProblem = { line: number; text: string; message: string }
export type ParsedList = { entries: ParsedEntry[]; problems: ParsedProblem[] }

export type ListFormat = 'text' | 'html'

const OPTION_LINE = /^(out|o|checksum|header)\s*=/i
const SEPARATORS = /[\s,;|]+/
/** Tokens meant as links: a scheme (`http:`, `file:`, `javascript:` …) or a `www.` host. */
const LINKISH = /^<?(?:[a-z][a-z0-9+.-]*:|www\.)/i

export function parseDropped(text: string, format: ListFormat = 'text'): ParsedList {
  return format === 'html' ? parseHtml(text) : parseText(text)
}

/**
 * A list as typed or pasted: one URL per line, or many per line separated by spaces, commas,
 * semicolons; blank lines and `#` comments skipped; indented `out=`, `checksum=`, `header=`
 * lines set options for the URL above.
 */
function parseText(text: string): ParsedList {
  const entries: ParsedEntry[] = []
  const problems: ParsedProblem[] = []
  let last: ParsedEntry | null = null
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!
    const line = i + 1
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    if (/^\s/.test(raw) && OPTION_LINE.test(trimmed)) {
      if (last === null) {
        problems.push({ line, text: trimmed, message: `option line does not follow a URL` })
        continue
      }
      const problem = applyOption(last.request, trimmed)
      if (problem) problems.push({ line, text: trimmed, message: problem })
      continue
    }
    last = null
    // Words around links ("see https://a, and https://b") are prose, not bad URLs; a line with
    // nothing that looks like a link is one bad line, reported once with its whole text.
    const tokens = trimmed.split(SEPARATORS).filter((token) => LINKISH.test(token))
    if (tokens.length === 0) {
      readUrl(trimmed, line, problems)
      continue
    }
    for (const token of tokens) {
      const entry = readUrl(token, line, problems)
      if (entry) {
        entries.push(entry)
        last = entry
      }
    }
  }
  return { entries, problems }
}

/** The hrefs of an HTML document's links, in order (fragment-only links left out). */
export function extractLinks(html: string): string[] {
  const links: string[] = []
  const hrefs = /<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi
  let match: RegExpExecArray | null
  while ((match = hrefs.exec(html)) !== null) {
    const href = decodeEntities((match[1] ?? match[2] ?? match[3] ?? '').trim())
    if (href !== '' && !href.startsWith('#')) links.push(href)
  }
  return links
}

/** HTML (dragged from a page, or an .html file): the URLs are its links' hrefs. */
function parseHtml(html: string): ParsedList {
  const entries: ParsedEntry[] = []
  const problems: ParsedProblem[] = []
  const hrefs = /<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi
  let match: RegExpExecArray | null
  let line = 1
  let counted = 0
  while ((match = hrefs.exec(html)) !== null) {
    for (; counted < match.index; counted++) if (html.charCodeAt(counted) === 10) line++
    const href = decodeEntities((match[1] ?? match[2] ?? match[3] ?? '').trim())
    if (href === '' || href.startsWith('#')) continue
    const entry = readUrl(href, line, problems)
    if (entry) entries.push(entry)
  }
  return { entries, problems }
}

function readUrl(text: string, line: number, problems: ParsedProblem[]): ParsedEntry | null {
  try {
    const url = parseDownloadUrl(text)
    return { line, request: { url: text.replace(/^<(.*)>$/, '$1') }, key: normalizeUrlKey(url) }
  } catch (error) {
    problems.push({ line, text, message: (error as Error).message })
    return null
  }
}

function applyOption(request: AddRequest, option: string): string | null {
  const eq = option.indexOf('=')
  const name = option.slice(0, eq).trim().toLowerCase()
  const value = option.slice(eq + 1).trim()
  if (name === 'out' || name === 'o') {
    if (value === '' || /[/\\]/.test(value)) return `out= must be a file name, got "${value}"`
    request.name = value
    return null
  }
  if (name === 'checksum') {
    const m = /^(sha-256|sha-1|md5)=([0-9a-f]+)$/i.exec(value)
    const lengths: Record<string, number> = { 'sha-256': 64, 'sha-1': 40, md5: 32 }
    if (!m || m[2]!.length !== lengths[m[1]!.toLowerCase()])
      return `checksum= must be ALGO=HEX with ALGO sha-256, sha-1 or md5, got "${value}"`
    request.checksum = {
      algorithm: m[1]!.toLowerCase() as 'sha-256' | 'sha-1' | 'md5',
      hex: m[2]!.toLowerCase(),
    }
    return null
  }
  const header = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*)$/.exec(value)
  if (!header) return `header= must be "Name: value", got "${value}"`
  request.headers = { ...request.headers, [header[1]!]: header[2]! }
  return null
}

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|apos);/g, (_, name: string) => {
    const map: Record<string, string> = {
      amp: '&',
      lt: '<',
      gt: '>',
      quot: '"',
      '#39': "'",
      apos: "'",
    }
    return map[name] ?? _
  })
}
