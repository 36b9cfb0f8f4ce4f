import { extractHtmlLinks } from './extract-html-links.ts'
import type { ParsedList } from './parsed-list.ts'
import { parseUrlList } from './parse-url-list.ts'

/** `list`: lines of URLs with option lines (also `text/uri-list` and free text); `html`: links. */
export type ListFormat = 'list' | 'html'

/**
 * Which reading fits: HTML when the data says it is (`text/html`, or text that starts like an
 * HTML document or holds an `<a href>`), else the URL list.
 */
export function guessListFormat(text: string, mimeType?: string): ListFormat {
  const type = mimeType?.split(';')[0]?.trim().toLowerCase()
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'html'
  if (type && type !== 'text/plain' && type !== 'text/uri-list' && type !== 'text/csv')
    return 'list'
  const head = text
    .slice(0, 1024)
    .replace(/^\uFEFF/, '')
    .trimStart()
  if (/^<(!doctype\s+html|html|head|body|meta|div|p|ul|ol|table|a)\b/i.test(head)) return 'html'
  if (/<a\s[^>]*href\s*=/i.test(text)) return 'html'
  return 'list'
}

/** A list from a file, a paste or a drop, read the way its format says. */
export function parseList(
  text: string,
  format: ListFormat,
  options: { invalidLines?: ReadonlySet<number> } = {},
): ParsedList {
  return format === 'html' ? extractHtmlLinks(text) : parseUrlList(text, options)
}
