/**
 * What each OS keeps about where a downloaded file came from, built as plain text and bytes so
 * it can be tested on any machine (origin-marker.ts writes it):
 *
 * - Linux: the `user.xdg.origin.url` and `user.xdg.referrer.url` extended attributes
 *   (freedesktop.org's shared xattr names, as Chromium and Firefox write them), set for a whole
 *   batch of files by one `setfattr --restore=-`.
 * - macOS: `com.apple.quarantine` (Gatekeeper checks the file before it first runs) and
 *   `com.apple.metadata:kMDItemWhereFroms` (Finder's "Where from"), set by `/usr/bin/xattr`.
 * - Windows: the `Zone.Identifier` alternate data stream (the Mark of the Web: SmartScreen and
 *   Office's Protected View act on ZoneId=3), written with plain fs on NTFS.
 *
 * URLs lose their user info (a password in a URL is a secret) and fragment before they are
 * written anywhere.
 */
export type OriginFacts = {
  /** The file, absolute. */
  path: string
  /** Where the bytes came from: the URL at the end of the redirects. */
  url: string
  /** The page that led there (the request's Referer), if any. */
  referrer: string | null
}

/** The URL as it may be written on disk: http(s) only, no user info, no fragment; else null. */
export function markUrl(value: string | null): string | null {
  if (value === null) return null
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  url.username = ''
  url.password = ''
  url.hash = ''
  return url.href
}

// ---- Windows ----

/**
 * The `Zone.Identifier` stream's text, as Chromium and Edge write it: Internet zone (3), the
 * referring page and the file's own URL. Attachment Execution Services reads it as an INI file.
 */
export function zoneIdentifier(facts: Pick<OriginFacts, 'url' | 'referrer'>): string {
  const lines = ['[ZoneTransfer]', 'ZoneId=3']
  const referrer = markUrl(facts.referrer)
  const host = markUrl(facts.url)
  if (referrer) lines.push(`ReferrerUrl=${referrer}`)
  if (host) lines.push(`HostUrl=${host}`)
  return lines.join('\r\n') + '\r\n'
}

// ---- Linux ----

/**
 * Input for `setfattr --restore=-` (the format `getfattr --dump` writes): per file a
 * `# file: PATH` line, then `name=0sBASE64` lines (base64 needs no quoting), then a blank line.
 * The path is escaped as getfattr does, every byte that is not printable ASCII (and the
 * backslash) as `\ooo`: a newline in a file name cannot start a new entry.
 */
export function setfattrRestoreInput(files: readonly OriginFacts[]): string {
  let out = ''
  for (const facts of files) {
    const origin = markUrl(facts.url)
    if (origin === null) continue
    out += `# file: ${escapeDumpPath(facts.path)}\n`
    out += `user.xdg.origin.url=0s${Buffer.from(origin).toString('base64')}\n`
    const referrer = markUrl(facts.referrer)
    if (referrer) out += `user.xdg.referrer.url=0s${Buffer.from(referrer).toString('base64')}\n`
    out += '\n'
  }
  return out
}

function escapeDumpPath(path: string): string {
  let out = ''
  for (const byte of Buffer.from(path, 'utf8')) {
    out +=
      byte > 0x20 && byte < 0x7f && byte !== 0x5c
        ? String.fromCharCode(byte)
        : `\\${byte.toString(8).padStart(3, '0')}`
  }
  return out
}

// ---- macOS ----

/**
 * `com.apple.quarantine`: `flags;seconds-since-epoch-in-hex;agent;event-id`. 0081 is the flag
 * set browsers write for a web download (Gatekeeper evaluates the file on first open).
 */
export function quarantineValue(at: number, agent: string, eventId: string): string {
  const seconds = Math.floor(at / 1000).toString(16)
  return `0081;${seconds};${agent.replace(/;/g, '_')};${eventId.toUpperCase()}`
}

/** `kMDItemWhereFroms`: a binary property list holding [file URL, referrer] (Safari's order). */
export function whereFromsPlist(facts: Pick<OriginFacts, 'url' | 'referrer'>): Buffer | null {
  const urls = [markUrl(facts.url), markUrl(facts.referrer)].filter((u): u is string => !!u)
  return urls.length === 0 ? null : binaryPlistOfStrings(urls)
}

/**
 * A `bplist00` whose top object is an array of strings (Apple's CFBinaryPList format: objects,
 * then an offset table, then a 32-byte trailer). Enough for kMDItemWhereFroms; at most 255
 * strings (one-byte object references).
 */
export function binaryPlistOfStrings(strings: readonly string[]): Buffer {
  if (strings.length > 254) throw new RangeError('at most 254 strings')
  const objects: Buffer[] = []
  // Object 0: the array, referring to objects 1…n.
  objects.push(
    Buffer.concat([marker(0xa0, strings.length), Buffer.from(strings.map((_, i) => i + 1))]),
  )
  for (const text of strings) {
    // eslint-disable-next-line no-control-regex -- ASCII strings are stored as bytes
    if (/^[\u0000-\u007f]*$/.test(text)) {
      objects.push(Buffer.concat([marker(0x50, text.length), Buffer.from(text, 'latin1')]))
    } else {
      const utf16be = Buffer.from(text, 'utf16le').swap16()
      objects.push(Buffer.concat([marker(0x60, text.length), utf16be]))
    }
  }
  const header = Buffer.from('bplist00', 'latin1')
  const offsets: number[] = []
  let at = header.length
  for (const object of objects) {
    offsets.push(at)
    at += object.length
  }
  const offsetTableAt = at
  const offsetSize = offsetTableAt < 0x100 ? 1 : offsetTableAt < 0x10000 ? 2 : 4
  const table = Buffer.alloc(offsets.length * offsetSize)
  offsets.forEach((offset, i) => table.writeUIntBE(offset, i * offsetSize, offsetSize))
  const trailer = Buffer.alloc(32)
  trailer.writeUInt8(offsetSize, 6)
  trailer.writeUInt8(1, 7) // object reference size
  trailer.writeBigUInt64BE(BigInt(objects.length), 8)
  trailer.writeBigUInt64BE(0n, 16) // top object
  trailer.writeBigUInt64BE(BigInt(offsetTableAt), 24)
  return Buffer.concat([header, ...objects, table, trailer])
}

/** An object's type nibble and count: inline below 15, else 0xF then an int object. */
function marker(type: number, count: number): Buffer {
  if (count < 15) return Buffer.from([type | count])
  if (count < 0x100) return Buffer.from([type | 0xf, 0x10, count])
  if (count < 0x10000) {
    const b = Buffer.from([type | 0xf, 0x11, 0, 0])
    b.writeUInt16BE(count, 2)
    return b
  }
  const b = Buffer.from([type | 0xf, 0x12, 0, 0, 0, 0])
  b.writeUInt32BE(count, 2)
  return b
}
