import { normalizeUrlKey, parseDownloadUrl } from '../protocol/url.ts'
import {
  mergeDuplicates,
  type ListEntry,
  type ListProblem,
  type ParsedList,
} from './parsed-list.ts'

/**
 * Tags whose content is not markup (a `<a href>` inside a script is a string, not a link) and
 * comments: skipped whole. The alternation is tried at each `<`, so the scan is one pass.
 */
const TOKEN =
  /<!--[\s\S]*?(?:-->|$)|<(script|style|textarea|title)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)|<(a|area|base)\b((?:[^>"']|"[^"]*"|'[^']*')*)>/gi
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g

/**
 * The links of an HTML document or fragment (what a browser puts on the clipboard or in a drop
 * as `text/html`): the `href` of every `<a>` and `<area>`, resolved against `<base href>` when
 * there is one, in document order, each with the line it is on. Links that cannot be downloaded
 * (relative without a base, `mailto:`, `javascript:`) are problems with their line and reason.
 *
 * A small scanner rather than a DOM: src/shared runs where there is none (the engine, the CLI),
 * and an HTML parser library would be far larger than this. It follows the HTML rules that
 * matter for hrefs: quoted and unquoted attribute values, character references, case-insensitive
 * names, comments and raw-text elements skipped. Never throws.
 */
export function extractHtmlLinks(html: string): ParsedList {
  const entries: ListEntry[] = []
  const problems: ListProblem[] = []
  const keys: string[] = []
  let base: string | null = null
  let line = 1
  let counted = 0
  for (const match of html.matchAll(TOKEN)) {
    const tag = match[2]?.toLowerCase()
    if (!tag) continue
    line += countNewlines(html, counted, match.index)
    counted = match.index
    const href = attribute(match[3]!, 'href')
    if (href === null) continue
    if (tag === 'base') {
      base ??= absolute(href)
      continue
    }
    const text = href.trim()
    if (text === '' || text.startsWith('#')) continue
    const resolved = absolute(text) ?? (base ? safeResolve(text, base) : null)
    if (!resolved) {
      problems.push({
        line,
        message: `relative link without a base URL: ${JSON.stringify(text.slice(0, 200))}`,
      })
      continue
    }
    try {
      keys.push(normalizeUrlKey(parseDownloadUrl(resolved)))
      entries.push({ line, request: { url: resolved } })
    } catch (error) {
      problems.push({ line, message: (error as Error).message })
    }
  }
  return { ...mergeDuplicates(entries, keys), problems }
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) count++
  return count
}

/** The first `name` attribute's decoded value (HTML keeps the first of repeated attributes). */
function attribute(attributes: string, name: string): string | null {
  for (const match of attributes.matchAll(ATTRIBUTE)) {
    if (match[1]!.toLowerCase() !== name) continue
    const value = match[2] ?? match[3] ?? match[4]
    return value === undefined ? '' : decodeCharacterReferences(value)
  }
  return null
}

function absolute(text: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(text.trim())) return null
  return text.trim()
}

function safeResolve(text: string, base: string): string | null {
  try {
    return new URL(text, base).href
  } catch {
    return null
  }
}

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
}

/** `&amp;`, `&#38;`, `&#x26;` and the few named references an href can hold in practice. */
function decodeCharacterReferences(text: string): string {
  if (!text.includes('&')) return text
  return text.replace(
    /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]+))(;?)/g,
    (all: string, dec?: string, hex?: string, name?: string, semicolon?: string, offset = 0) => {
      if (dec || hex) {
        const code = dec ? Number(dec) : parseInt(hex!, 16)
        return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
          ? String.fromCodePoint(code)
          : '\ufffd'
      }
      // In an attribute, `&name` without `;` before `=` or a digit is literal text (HTML's rule
      // for query strings such as `?a=1&lt=2`).
      const next = text[offset + all.length]
      if (!semicolon && next !== undefined && /[=0-9]/.test(next)) return all
      return NAMED[name!.toLowerCase()] ?? all
    },
  )
}
