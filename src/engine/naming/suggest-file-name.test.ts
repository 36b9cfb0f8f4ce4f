import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { shellIntegratedExtensionOf } from './shell-extension.ts'
import { nameFromUrl, suggestFileName } from './suggest-file-name.ts'

const url = new URL('https://example.com/files/from-url.bin')
const fromHeader = (contentDisposition: string | null) =>
  suggestFileName({ contentDisposition, url })

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f<>:"|?*/\\]/

describe('suggestFileName: Content-Disposition', () => {
  it('uses filename from the header over the URL', () => {
    expect(fromHeader('attachment; filename="report.pdf"')).toBe('report.pdf')
    expect(fromHeader('attachment; filename=report.pdf')).toBe('report.pdf')
    expect(fromHeader('inline; filename="a b.txt"')).toBe('a b.txt')
  })

  it('prefers UTF-8 filename* over filename, in either order', () => {
    const star = "filename*=UTF-8''%E2%82%AC%20rates.txt"
    expect(fromHeader(`attachment; filename="plain.txt"; ${star}`)).toBe('€ rates.txt')
    expect(fromHeader(`attachment; ${star}; filename="plain.txt"`)).toBe('€ rates.txt')
    expect(fromHeader(`attachment; ${star}`)).toBe('€ rates.txt')
    expect(fromHeader("attachment; filename*=ISO-8859-1''caf%E9.txt")).toBe('café.txt')
  })

  // How undici hands header bytes over: one Latin-1 character per byte.
  const asReceived = (bytes: Buffer) => bytes.toString('latin1')

  it('a raw UTF-8 filename (as many servers send it) is read as UTF-8', () => {
    expect(fromHeader(asReceived(Buffer.from('attachment; filename="été.txt"')))).toBe('été.txt')
    expect(fromHeader(asReceived(Buffer.from('attachment; filename=日本語.pdf')))).toBe(
      '日本語.pdf',
    )
  })

  it('a filename that is not valid UTF-8 stays Latin-1; filename* keeps its own charset', () => {
    expect(
      fromHeader(asReceived(Buffer.from('attachment; filename="caf\xe9.txt"', 'latin1'))),
    ).toBe('café.txt')
    // Latin-1 bytes that happen to look like UTF-8 are not reread when filename* names a charset.
    expect(fromHeader("attachment; filename*=ISO-8859-1''%C3%A9t%C3%A9.txt")).toBe('Ã©tÃ©.txt')
  })

  it.each([
    ['attachment; filename="../../x"', 'x'],
    ['attachment; filename="/etc/passwd"', 'passwd'],
    ['attachment; filename=C:\\Windows\\win.ini', 'win.ini'],
    ["attachment; filename*=UTF-8''..%2F..%2Fevil.sh", 'evil.sh'],
    ['attachment; filename=CON', '_CON'],
    ['attachment; filename="nul.txt"', '_nul.txt'],
    ['attachment; filename="a\u0001b.txt"', 'a_b.txt'],
    ['attachment; filename="a\nb"', 'a_b'],
    ['attachment; filename="..."', 'download'],
  ])('hostile %j → %j', (header, expected) => {
    expect(fromHeader(header)).toBe(expected)
  })

  it('a quoted Windows path never yields a path or a drive letter', () => {
    const name = fromHeader('attachment; filename="C:\\Windows\\win.ini"')
    expect(name).not.toMatch(UNSAFE)
    expect(name.endsWith('win.ini')).toBe(true)
  })

  it.each([
    'inline',
    'attachment',
    'attachment; filename=""',
    'attachment; filename="   "',
    ';;;',
    '',
    "attachment; filename*=UTF-8''%ZZ.txt",
  ])('no usable name in %j → the URL name', (header) => {
    expect(fromHeader(header)).toBe('from-url.bin')
  })

  it.each(['attachment; filename="unterminated', 'attachment filename=x.bin', 'filename=x.bin'])(
    'malformed %j still gives a safe name',
    (header) => {
      expect(['from-url.bin', 'unterminated', 'x.bin']).toContain(fromHeader(header))
    },
  )

  it('a null header falls back to the URL', () => {
    expect(fromHeader(null)).toBe('from-url.bin')
    expect(suggestFileName({ url })).toBe('from-url.bin')
  })
})

describe('suggestFileName: URL and fallback', () => {
  const fromUrl = (href: string, contentType?: string | null) =>
    suggestFileName({ url: new URL(href), contentType })

  it.each([
    ['https://h/path/My%20File%C3%A9.zip?x=1#frag', 'My Fileé.zip'],
    ['https://h/a/..%2F..%2Fetc%2Fpasswd', 'passwd'],
    ['https://h/a/..%5C..%5Cboot.ini', 'boot.ini'],
    ['https://h/%E0%A4%A', '%E0%A4%A'],
    ['https://h/dir/', 'dir'],
    ['https://h/%00x', '_x'],
    ['https://h/CON', '_CON'],
    // WHATWG URL parsing resolves "%2e%2e" like "..", leaving no segment.
    ['https://h/a/%2e%2e', 'download'],
  ])('%s → %j', (href, expected) => {
    expect(fromUrl(href)).toBe(expected)
  })

  it('falls back to "download" with an extension from the content type', () => {
    expect(fromUrl('https://h/', 'text/html; charset=utf-8')).toBe('download.html')
    expect(fromUrl('https://h/', 'Application/PDF')).toBe('download.pdf')
    expect(fromUrl('https://h/', 'image/jpeg')).toBe('download.jpg')
    expect(fromUrl('https://h/', 'application/x-unknown')).toBe('download')
    expect(fromUrl('https://h/', null)).toBe('download')
    expect(fromUrl('https://h/')).toBe('download')
  })

  it('the content type does not override a real name', () => {
    expect(fromUrl('https://h/data.bin', 'text/html')).toBe('data.bin')
  })

  it('nameFromUrl decodes the last path segment and ignores query and fragment', () => {
    expect(nameFromUrl(new URL('https://h/a/b%20c.txt?d=e/f.zip#g/h'))).toBe('b c.txt')
    expect(nameFromUrl(new URL('https://h/'))).toBeNull()
    expect(nameFromUrl(new URL('https://h/%ZZ'))).toBe('%ZZ')
  })

  it('property: any header and any URL give a safe, non-empty name', () => {
    // Any code point but lone surrogates (which encodeURIComponent refuses). A custom unit: the
    // built-in 'binary' one costs over a second to warm up.
    const codePoint = fc
      .integer({ min: 0, max: 0x10ffff })
      .filter((c) => c < 0xd800 || c > 0xdfff)
      .map((c) => String.fromCodePoint(c))
    const header = fc.oneof(
      fc.string({ unit: codePoint, maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 100 }),
      fc.string({ maxLength: 60 }).map((s) => `attachment; filename="${s}"`),
      fc
        .string({ unit: 'grapheme', maxLength: 60 })
        .map((s) => `attachment; filename*=UTF-8''${encodeURIComponent(s)}`),
      fc
        .tuple(
          fc.constantFrom('../', '/etc/', 'C:\\', '..\\'),
          fc.constantFrom('CON', 'x', 'nul.txt', ''),
        )
        .map(([prefix, name]) => `attachment; filename="${prefix}${name}"`),
      fc
        .tuple(
          fc.constantFrom('invoice.pdf', 'x', ''),
          fc.constantFrom(
            '.lnk',
            '.URL',
            '.scf',
            '.local',
            '.{20D04FE0-3AEA-1069-A2D8-08002B30309D}',
          ),
          fc.constantFrom('', '.', ' .', '. '),
        )
        .map(([stem, extension, tail]) => `attachment; filename="${stem}${extension}${tail}"`),
      fc.constant(null),
    )
    const anyUrl = fc.oneof(
      // (fc.webUrl/webPath take over a second to warm up; build URLs from cheaper parts.)
      fc
        .array(fc.string({ unit: 'grapheme-ascii', maxLength: 12 }), { maxLength: 4 })
        .map((segments) => `https://example.com/${segments.join('/')}`),
      fc
        .string({ unit: codePoint, maxLength: 80 })
        .map((s) => `https://h/${encodeURIComponent(s)}`),
    )
    fc.assert(
      fc.property(header, anyUrl, (contentDisposition, href) => {
        const name = suggestFileName({ contentDisposition, url: new URL(href) })
        expect(name).not.toBe('')
        expect(name).not.toMatch(UNSAFE)
        expect(name).not.toMatch(/^\.+$/)
        expect(name).not.toMatch(/[. ]$/)
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(231)
        expect(name.split('.')[0]!.trim()).not.toMatch(/^(con|prn|aux|nul|com[1-9]|lpt[1-9])$/i)
        expect(shellIntegratedExtensionOf(name)).toBeNull()
      }),
    )
  })
})

describe('suggestFileName: a name that is only an extension', () => {
  it('property: from the URL or Content-Disposition, ".<ext>" is saved as "download.<ext>"', () => {
    const extension = fc
      .stringMatching(/^[a-z0-9]{1,8}$/)
      .filter((e) => shellIntegratedExtensionOf(`x.${e}`) === null)
    fc.assert(
      fc.property(extension, fc.boolean(), (ext, fromHeader) => {
        const name = fromHeader
          ? suggestFileName({
              url: new URL('https://h.example/get?id=1'),
              contentDisposition: `attachment; filename=".${ext}"`,
            })
          : suggestFileName({ url: new URL(`https://h.example/files/.${ext}`) })
        expect(name).toBe(`download.${ext}`)
      }),
    )
  })
})
