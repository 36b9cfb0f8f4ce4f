import { shellIntegratedExtensionOf, withSafeExtension } from './shell-extension.ts'

/**
 * Turns any server- or user-supplied name into a single safe file name on every OS:
 * no path separators or traversal, no control or Windows-reserved characters, no reserved device
 * names (CON, COM1, …) or shell files (desktop.ini, thumbs.db), no hidden file (a name that is
 * only an extension becomes `download.pdf`), no shell-integrated extension
 * (`.lnk`, `.url`, a CLSID… become `.download`, see shell-extension.ts), no trailing dots/spaces,
 * at most 255 UTF-8 bytes with the extension kept.
 */
export const FALLBACK_FILE_NAME = 'download'
const MAX_NAME_BYTES = 255
/** Room kept for ` (NNN)` clash suffixes and the `.part.downpour` control-file suffix. */
const RESERVED_SUFFIX_BYTES = 24

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$|clock\$)$/i
/** Files Explorer reads by itself when it shows their folder (Chromium's IsReservedNameOnWindows). */
const SHELL_FILES = new Set(['desktop.ini', 'thumbs.db'])
/** Leading dots, then an extension's worth of text (as `truncateUtf8Name` reads one) and no other dot. */
const ONLY_EXTENSION = /^\s*\.+([^\s._][^\s.]{0,14})$/
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f<>:"/\\|?*\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

export function sanitizeFileName(input: string, fallback = FALLBACK_FILE_NAME): string {
  return sanitizeNameReport(input, fallback).name
}

/** For tests: the full rules without the plain-name shortcut, which must agree with them. */
export function sanitizeNameByTheRules(
  input: string,
  fallback = FALLBACK_FILE_NAME,
): SanitizedName {
  return sanitizeAny(input, fallback)
}

/** What sanitizing did that its caller may want to tell a person about. */
export type SanitizedName = {
  name: string
  /** The shell-integrated extension that was replaced by `.download`, or null. */
  shellExtension: string | null
}

/**
 * A name every rule below leaves as it is, found with one test: ASCII letters, digits, `_`, `-`
 * and inner dots, not starting with a dot, short (`f00042.bin`, `report-2024.tar.gz`). A list
 * of 100,000 URLs is mostly such names; the full rules cost each one ~1 KB of garbage.
 */
const PLAIN_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/
const PLAIN_NAME_MAX = 200

/** `sanitizeFileName`, saying whether a shell-integrated extension was renamed. */
export function sanitizeNameReport(input: string, fallback = FALLBACK_FILE_NAME): SanitizedName {
  if (
    input.length <= PLAIN_NAME_MAX &&
    PLAIN_NAME.test(input) &&
    !/^_+$/.test(input) &&
    shellIntegratedExtensionOf(input) === null &&
    !isReserved(input)
  )
    return { name: input, shellExtension: null }
  return sanitizeAny(input, fallback)
}

/** The full rules, for any name. */
function sanitizeAny(input: string, fallback: string): SanitizedName {
  // Keep only the last path component: a server naming "../../etc/passwd" gets "passwd".
  const lastComponent =
    input
      .split(/[/\\]/)
      .filter((part) => part !== '')
      .pop() ?? ''
  let name = lastComponent.normalize('NFC').replace(FORBIDDEN, '_')
  name = name.replace(/[\s.]+$/, '')
  // A name that is only an extension (".pdf", ".bin" from a URL or Content-Disposition) keeps
  // it after the fallback stem: "download.pdf". Kept as ".pdf" (wget, curl, aria2c) it is a
  // hidden file in the download folder; stripped to "pdf" (Chromium, before it adds the
  // MIME type's extension) it loses its type.
  const onlyExtension = ONLY_EXTENSION.exec(name)
  name = onlyExtension ? `${FALLBACK_FILE_NAME}.${onlyExtension[1]}` : name.replace(/^[\s.]+/, '')
  if (name === '' || /^_+$/.test(name)) return { name: fallback, shellExtension: null }
  let shellExtension = shellIntegratedExtensionOf(name)
  name = withSafeExtension(name)
  if (isReserved(name)) name = `_${name}`
  name = truncateUtf8Name(name, MAX_NAME_BYTES - RESERVED_SUFFIX_BYTES)
  // Truncating can leave nothing but underscores (sanitize again would give the fallback: keep
  // the function idempotent) or expose a device name ("con   …x.txt" → "con.txt").
  if (/^_+$/.test(name)) return { name: fallback, shellExtension }
  // It can also expose an extension: "a.lnk.xxxx…" (the tail too long to be an extension) cut
  // to "a.lnk". `.download` is short enough that a second cut keeps it.
  const exposed = shellIntegratedExtensionOf(name)
  if (exposed !== null) {
    shellExtension ??= exposed
    name = truncateUtf8Name(withSafeExtension(name), MAX_NAME_BYTES - RESERVED_SUFFIX_BYTES)
  }
  return { name: isReserved(name) ? `_${name}` : name, shellExtension }
}

function isReserved(name: string): boolean {
  return isReservedDeviceName(name) || SHELL_FILES.has(name.toLowerCase())
}

function isReservedDeviceName(name: string): boolean {
  return WINDOWS_RESERVED.test((name.split('.')[0] ?? '').trim())
}

/** Shortens the stem (not the extension) until the whole name fits in `maxBytes` of UTF-8. */
export function truncateUtf8Name(name: string, maxBytes: number): string {
  const bytes = (text: string): number => Buffer.byteLength(text, 'utf8')
  if (bytes(name) <= maxBytes) return name
  const dot = name.lastIndexOf('.')
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : ''
  let stem = ext ? name.slice(0, dot) : name
  const budget = maxBytes - bytes(ext)
  // Drop whole code points (never split a surrogate pair or a UTF-8 sequence).
  const points = Array.from(stem)
  while (points.length > 0 && bytes(points.join('')) > budget) points.pop()
  stem = points.join('').replace(/[\s.]+$/, '')
  return (stem || FALLBACK_FILE_NAME) + ext
}
