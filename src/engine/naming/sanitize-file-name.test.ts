import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  FALLBACK_FILE_NAME,
  sanitizeFileName,
  sanitizeNameByTheRules,
  sanitizeNameReport,
  truncateUtf8Name,
} from './sanitize-file-name.ts'
import { shellIntegratedExtensionOf } from './shell-extension.ts'

const MAX_BYTES = 231
const bytes = (s: string) => Buffer.byteLength(s, 'utf8')

// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f<>:"|?*/\\]/
const DEVICE_NAMES = new Set([
  'con',
  'prn',
  'aux',
  'nul',
  ...Array.from({ length: 9 }, (_, i) => `com${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `lpt${i + 1}`),
])

/** Windows treats "con.txt" and "CON .tar.gz" as the console device too. */
function isDeviceName(name: string): boolean {
  return DEVICE_NAMES.has((name.split('.')[0] ?? '').trim().toLowerCase())
}

/** Hostile fragments glued together: traversal, device names, separators, controls, long runs. */
const fragment = fc.constantFrom(
  'con',
  'CON',
  'Aux',
  'nul',
  'com1',
  'LPT9',
  '.',
  '..',
  ' ',
  '/',
  '\\',
  ':',
  '*',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u0085',
  '\t',
  '\n',
  'a',
  'é',
  'e\u0301',
  '😀',
  '👨‍👩‍👧',
  '.txt',
  '.tar.gz',
  '.lnk',
  '.URL',
  '.scf',
  '.local',
  '.{20D04FE0-3AEA-1069-A2D8-08002B30309D}',
  '{',
  '}',
  'desktop.ini',
  'Thumbs.db',
  ' '.repeat(120),
  '.'.repeat(120),
  'x'.repeat(120),
  '😀'.repeat(40),
)
const hostileName = fc.array(fragment, { maxLength: 12 }).map((parts) => parts.join(''))

/** A device name followed by a long run of padding: shortening must not leave just "con". */
const paddedDeviceName = fc
  .tuple(
    fc.constantFrom('con', 'NUL', 'Com3', 'lpt1'),
    fc.constantFrom(' ', '.', ' .', '\t'),
    fc.integer({ min: 0, max: 300 }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 4 }),
    fc.constantFrom('', '.txt', '.tar.gz', '.😀'),
  )
  .map(([device, pad, count, tail, ext]) => device + pad.repeat(count) + tail + ext)

/**
 * Every code point, lone surrogates included: the same alphabet as `unit: 'binary'`, whose
 * built-in arbitrary takes ~1.4 s to build its lookup table in each test process.
 */
const anyCodePoint = fc
  .integer({ min: 0, max: 0x10ffff })
  .map((c) => (c >= 0xd800 && c <= 0xdfff ? String.fromCharCode(c) : String.fromCodePoint(c)))

const anyName = fc.oneof(
  fc.string({ unit: anyCodePoint, maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  hostileName,
  paddedDeviceName,
)

function expectSafe(result: string): void {
  expect(result).not.toBe('')
  expect(result).not.toBe('.')
  expect(result).not.toBe('..')
  expect(result).not.toMatch(FORBIDDEN_CHARS)
  expect(result).not.toMatch(/[. ]$/)
  expect(bytes(result)).toBeLessThanOrEqual(MAX_BYTES)
  expect(isDeviceName(result), `device name: ${JSON.stringify(result)}`).toBe(false)
  expect(
    shellIntegratedExtensionOf(result),
    `shell extension: ${JSON.stringify(result)}`,
  ).toBeNull()
  expect(['desktop.ini', 'thumbs.db']).not.toContain(result.toLowerCase())
}

describe('sanitizeFileName', () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['/abs/path/x.bin', 'x.bin'],
    ['C:\\Windows\\win.ini', 'win.ini'],
    ['dir/', 'dir'],
    ['CON', '_CON'],
    ['con.txt', '_con.txt'],
    ['Lpt1.tar.gz', '_Lpt1.tar.gz'],
    ['nul ', '_nul'],
    ['a\u0000b', 'a_b'],
    ['a<b>c:d"e|f?g*h', 'a_b_c_d_e_f_g_h'],
    ['report.pdf. . ', 'report.pdf'],
    // A name that is only an extension keeps it after "download" (never a hidden file, never
    // a name without its type).
    ['..hidden', 'download.hidden'],
    ['.pdf', 'download.pdf'],
    ['.bin', 'download.bin'],
    [' .PDF. ', 'download.PDF'],
    ['/files/.tar', 'download.tar'],
    ['.lnk', 'download.download'],
    ['.con', 'download.con'],
    // Not only an extension: leading dots go, the rest is the name.
    ['.config.json', 'config.json'],
    ['._', 'download'],
    ['.a b', 'a b'],
    ['e\u0301t\u00e9.txt', 'été.txt'],
    ['console.log', 'console.log'],
    ['my file (1).zip', 'my file (1).zip'],
    // Shell-integrated extensions become .download, as Chromium's GenerateSafeFileName does.
    ['invoice.pdf.lnk', 'invoice.pdf.download'],
    ['x.{20D04FE0-3AEA-1069-A2D8-08002B30309D}', 'x.download'],
    ['x.scf', 'x.download'],
    ['x.url', 'x.download'],
    ['a.local', 'a.download'],
    ['x.LNK. . ', 'x.download'],
    ['x.lnk::$DATA', 'x.lnk__$DATA'],
    ['../x.url/', 'x.download'],
    // Files Explorer reads by itself get the device names' underscore.
    ['desktop.ini', '_desktop.ini'],
    ['Desktop.INI', '_Desktop.INI'],
    ['thumbs.db', '_thumbs.db'],
    ['clock$', '_clock$'],
    // .desktop launchers keep their name (as in Chromium): opening one asks first.
    ['run.desktop', 'run.desktop'],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeFileName(input)).toBe(expected)
  })

  it.each(['', '.', '..', '...', ' ', '/', '\\', '../..', '___', '\u0000'])(
    '%j falls back to "download"',
    (input) => {
      expect(sanitizeFileName(input)).toBe(FALLBACK_FILE_NAME)
    },
  )

  it('property: a name that is only an extension (leading dots, up to 15 more characters) becomes "download.<it>"', () => {
    const extension = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,14}$/)
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), extension, (dots, ext) => {
        const result = sanitizeFileName(`${'.'.repeat(dots)}${ext}`)
        expectSafe(result)
        if (shellIntegratedExtensionOf(`x.${ext}`) === null) expect(result).toBe(`download.${ext}`)
        else expect(result).toBe('download.download')
      }),
    )
  })

  it('property: no name starts with a dot (a hidden file on Linux and macOS)', () => {
    fc.assert(
      fc.property(anyName, (input) => {
        expect(sanitizeFileName(input).startsWith('.')).toBe(false)
      }),
    )
  })

  it('uses the given fallback', () => {
    expect(sanitizeFileName('..', 'file.bin')).toBe('file.bin')
  })

  it('shortens a 1000-character name but keeps its extension', () => {
    const result = sanitizeFileName(`${'a'.repeat(1000)}.pdf`)
    expect(result).toMatch(/^a+\.pdf$/)
    expect(bytes(result)).toBe(MAX_BYTES)
  })

  it('never splits an emoji when shortening', () => {
    const result = sanitizeFileName(`${'😀'.repeat(100)}.txt`)
    expect(result.isWellFormed()).toBe(true)
    expect(result).toMatch(/^(😀)+\.txt$/u)
    expect(bytes(result)).toBeLessThanOrEqual(MAX_BYTES)
  })

  it('does not expose a device name when shortening ("con   …x.txt")', () => {
    const result = sanitizeFileName(`con${' '.repeat(300)}x.txt`)
    expect(isDeviceName(result)).toBe(false)
    expect(result.endsWith('.txt')).toBe(true)
  })

  it('reports the shell-integrated extension it renamed', () => {
    expect(sanitizeNameReport('invoice.pdf.lnk')).toEqual({
      name: 'invoice.pdf.download',
      shellExtension: 'lnk',
    })
    expect(sanitizeNameReport('report.pdf')).toEqual({ name: 'report.pdf', shellExtension: null })
  })

  it('renames an extension that shortening exposed ("a.lnk.xxxx…" cut to "a.lnk")', () => {
    // The tail is too long to be an extension, so shortening cuts it and would leave "….lnk".
    const input = `${'a'.repeat(226)}.lnk.${'x'.repeat(40)}`
    const result = sanitizeFileName(input)
    expect(result).toMatch(/^a+\.download$/)
    expect(bytes(result)).toBeLessThanOrEqual(MAX_BYTES)
    expect(sanitizeNameReport(input).shellExtension).toBe('lnk')
  })

  it('property: no cut ever exposes a shell-integrated extension', () => {
    const exposing = fc
      .tuple(
        fc.integer({ min: 1, max: 240 }),
        fc.constantFrom('.lnk', '.url', '.{0}', '.LOCAL'),
        fc.constantFrom('.', ' ', '. '),
        fc.integer({ min: 17, max: 60 }),
      )
      .map(
        ([stem, extension, gap, tail]) =>
          `${'s'.repeat(stem)}${extension}${gap}${'t'.repeat(tail)}`,
      )
    fc.assert(
      fc.property(exposing, (input) => {
        expectSafe(sanitizeFileName(input))
      }),
    )
  })

  it('property: any input gives one safe file name', () => {
    fc.assert(
      fc.property(anyName, (input) => {
        expectSafe(sanitizeFileName(input))
      }),
    )
  })

  it('property: well-formed input gives well-formed output (no split code points)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'grapheme', maxLength: 300 }), hostileName),
        (input) => {
          expect(sanitizeFileName(input).isWellFormed()).toBe(true)
        },
      ),
    )
  })

  it('property: sanitizing is idempotent', () => {
    fc.assert(
      fc.property(anyName, (input) => {
        const once = sanitizeFileName(input)
        expect(sanitizeFileName(once)).toBe(once)
      }),
    )
  })

  it('property: the shortcut for plain names answers what the full rules answer, for any name and for names built to look plain', () => {
    const plainish = fc
      .array(
        fc.oneof(
          fc.stringMatching(/^[A-Za-z0-9_-]{0,12}$/),
          fc.constantFrom('con', 'CON', 'aux', 'com1', 'lpt9', 'desktop', 'thumbs', 'ini', 'db'),
          fc.constantFrom('lnk', 'LNK', 'url', 'scf', 'local', '{x}', '___', '-', ''),
        ),
        { minLength: 1, maxLength: 5 },
      )
      .map((parts) => parts.join('.'))
    const long = fc.stringMatching(/^[a-z]{190,240}(\.[a-z]{1,4})?$/)
    fc.assert(
      fc.property(fc.oneof(anyName, plainish, long), (input) => {
        expect(sanitizeNameReport(input)).toEqual(sanitizeNameByTheRules(input))
      }),
      { numRuns: 2000 },
    )
  })

  it('property: ordinary names are left alone', () => {
    const ordinary = fc
      .tuple(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 _-]{0,40}[A-Za-z0-9]$/),
        fc.stringMatching(/^[a-z0-9]{1,5}$/),
      )
      .filter(([stem]) => !isDeviceName(stem))
      .map(([stem, ext]) => `${stem}.${ext}`)
    fc.assert(
      fc.property(ordinary, (name) => {
        expect(sanitizeFileName(name)).toBe(name)
      }),
    )
  })
})

describe('truncateUtf8Name', () => {
  it('leaves names that fit alone', () => {
    expect(truncateUtf8Name('short.txt', 20)).toBe('short.txt')
  })

  it('cuts the stem, not the extension', () => {
    expect(truncateUtf8Name('abcdefghij.txt', 8)).toBe('abcd.txt')
  })

  it('treats a very long "extension" as part of the stem', () => {
    const name = `a.${'b'.repeat(40)}`
    expect(truncateUtf8Name(name, 10)).toBe(name.slice(0, 10))
  })

  it('property: the result fits, and a name that already fits is unchanged', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.integer({ min: 80, max: 255 }),
        (name, max) => {
          const result = truncateUtf8Name(name, max)
          expect(bytes(result)).toBeLessThanOrEqual(max)
          if (bytes(name) <= max) expect(result).toBe(name)
        },
      ),
    )
  })
})
