import { parse as parseContentDisposition } from 'content-disposition'
import { sanitizeFileName, FALLBACK_FILE_NAME } from './sanitize-file-name.ts'

/**
 * The name a download should get, in the order browsers use: Content-Disposition (RFC 6266,
 * `filename*` preferred, parsed by the maintained `content-disposition` package), else the last
 * segment of the final URL's path, else a fallback. Always sanitized.
 */
export function suggestFileName(options: {
  contentDisposition?: string | null
  url: URL
  contentType?: string | null
}): string {
  const fromHeader = nameFromContentDisposition(options.contentDisposition)
  if (fromHeader) return sanitizeFileName(fromHeader)
  const fromUrl = nameFromUrl(options.url)
  if (fromUrl) return sanitizeFileName(fromUrl)
  return FALLBACK_FILE_NAME + extensionFor(options.contentType)
}

function nameFromContentDisposition(header: string | null | undefined): string | null {
  if (!header) return null
  const name = pickFileName(header)
  // `filename*` says its charset; a plain `filename` is raw bytes (HTTP hands header bytes over
  // as Latin-1), and many servers send UTF-8 there: read it as UTF-8 when it is, as browsers do.
  return name && !/filename\*\s*=/i.test(header) ? utf8IfValid(name) : name
}

function pickFileName(header: string): string | null {
  try {
    const name = parseContentDisposition(header).parameters.filename
    return typeof name === 'string' && name.trim() !== '' ? name : null
  } catch {
    // Malformed headers are common; browsers fall back to the URL too. Try a lenient pick.
    const match = /filename\s*=\s*"?([^";]+)"?/i.exec(header)
    return match?.[1]?.trim() || null
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Latin-1 text whose bytes are valid UTF-8 with at least one multi-byte sequence → that UTF-8. */
function utf8IfValid(latin1: string): string {
  // eslint-disable-next-line no-control-regex -- plain ASCII has nothing to reinterpret
  if (/^[\u0000-\u007f]*$/.test(latin1) || /[^\u0000-\u00ff]/.test(latin1)) return latin1
  try {
    return strictUtf8.decode(Buffer.from(latin1, 'latin1'))
  } catch {
    return latin1
  }
}

export function nameFromUrl(url: URL): string | null {
  const segment = url.pathname.split('/').filter(Boolean).pop()
  if (!segment) return null
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

function extensionFor(contentType: string | null | undefined): string {
  const type = contentType?.split(';')[0]?.trim().toLowerCase()
  const known: Record<string, string> = {
    'text/html': '.html',
    'text/plain': '.txt',
    'application/json': '.json',
    'application/pdf': '.pdf',
    'application/zip': '.zip',
    'image/png': '.png',
    'image/jpeg': '.jpg',
  }
  return (type && known[type]) ?? ''
}
