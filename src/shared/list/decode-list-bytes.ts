/** The most a list may weigh: a list of URLs is text, never this big; anything larger is a mistake (`-i /dev/zero`). */
export const MAX_LIST_BYTES = 64 * 1024 * 1024

export type DecodedList =
  | {
      ok: true
      text: string
      /** 1-based numbers of lines that held bytes that are not UTF-8. */
      invalidLines: ReadonlySet<number>
    }
  | { ok: false; problem: string }

const LF = 0x0a
const CR = 0x0d

/**
 * A list's bytes as text. UTF-8 (a BOM is dropped) or UTF-16 with its BOM (as Windows' Notepad
 * saves "Unicode"); anything else is read as UTF-8 and each line holding bytes that are not
 * UTF-8 is named, so it is reported rather than sent with U+FFFD in it. Line numbers count LF,
 * CRLF and CR alone as line ends, as `parseUrlList` does.
 */
export function decodeListBytes(bytes: Uint8Array): DecodedList {
  if (bytes.length > MAX_LIST_BYTES)
    return {
      ok: false,
      problem: `larger than ${MAX_LIST_BYTES / 1024 / 1024} MB; a list of URLs is never this big`,
    }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe)
    return utf16(bytes.subarray(2), 'utf-16le')
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff)
    return utf16(bytes.subarray(2), 'utf-16be')
  if (looksLikeBomlessUtf16(bytes))
    return {
      ok: false,
      problem:
        'looks like UTF-16 without a byte-order mark, which is not supported; save it as UTF-8',
    }
  const body =
    bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
      ? bytes.subarray(3)
      : bytes
  try {
    return {
      ok: true,
      text: new TextDecoder('utf-8', { fatal: true }).decode(body),
      invalidLines: new Set(),
    }
  } catch {
    return {
      ok: true,
      text: new TextDecoder('utf-8').decode(body),
      invalidLines: invalidUtf8Lines(body),
    }
  }
}

function utf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be'): DecodedList {
  try {
    return {
      ok: true,
      text: new TextDecoder(encoding, { fatal: true }).decode(bytes),
      invalidLines: new Set(),
    }
  } catch {
    return {
      ok: false,
      problem: `not valid ${encoding.toUpperCase()} text (it starts with a UTF-16 byte-order mark); save it as UTF-8`,
    }
  }
}

/**
 * Lines (split on the bytes LF and CR, which never occur inside a UTF-8 sequence) that do not
 * decode as UTF-8. Only called when the whole text did not, so the common case pays nothing.
 */
function invalidUtf8Lines(bytes: Uint8Array): Set<number> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const bad = new Set<number>()
  let line = 1
  let start = 0
  for (let i = 0; i <= bytes.length; i++) {
    const byte = bytes[i]
    if (i < bytes.length && byte !== LF && byte !== CR) continue
    try {
      decoder.decode(bytes.subarray(start, i))
    } catch {
      bad.add(line)
    }
    if (byte === CR && bytes[i + 1] === LF) i++
    line++
    start = i + 1
  }
  return bad
}

/**
 * UTF-16 saved without a BOM: text of URLs is mostly ASCII, so every other byte is NUL. NUL bytes
 * are valid UTF-8, and read as such they would turn each URL into a "not a URL" line.
 */
function looksLikeBomlessUtf16(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 4096)
  if (sample.length < 8) return false
  let evenNuls = 0
  let oddNuls = 0
  for (let i = 0; i < sample.length; i++) {
    if (sample[i] !== 0) continue
    if (i % 2) oddNuls++
    else evenNuls++
  }
  const half = sample.length / 2
  return evenNuls > half * 0.4 || oddNuls > half * 0.4
}
