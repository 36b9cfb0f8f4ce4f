import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeListBytes, MAX_LIST_BYTES } from './decode-list-bytes.ts'

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))))

describe('decodeListBytes', () => {
  it('reads UTF-8, with or without a BOM', () => {
    expect(decodeListBytes(bytes('https://a/été'))).toEqual({
      ok: true,
      text: 'https://a/été',
      invalidLines: new Set(),
    })
    expect(decodeListBytes(bytes([0xef, 0xbb, 0xbf], 'https://a/'))).toEqual({
      ok: true,
      text: 'https://a/',
      invalidLines: new Set(),
    })
  })

  it('reads UTF-16 with its BOM, little- and big-endian', () => {
    const text = 'https://a.example/é\r\nhttps://b.example/'
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
    const be = Buffer.from(le)
    be.swap16()
    expect(decodeListBytes(le)).toEqual({ ok: true, text, invalidLines: new Set() })
    expect(decodeListBytes(be)).toEqual({ ok: true, text, invalidLines: new Set() })
  })

  it('refuses broken UTF-16 with a reason', () => {
    const result = decodeListBytes(bytes([0xff, 0xfe, 0x00, 0xd8, 0x41]))
    expect(result).toEqual({
      ok: false,
      problem: expect.stringMatching(/not valid UTF-16LE.*save it as UTF-8/),
    })
  })

  it('refuses UTF-16 without its BOM instead of reading NULs into every URL', () => {
    expect(decodeListBytes(Buffer.from('https://a.example/x\n', 'utf16le'))).toEqual({
      ok: false,
      problem:
        'looks like UTF-16 without a byte-order mark, which is not supported; save it as UTF-8',
    })
  })

  it('names each line holding bytes that are not UTF-8; CR alone ends a line too', () => {
    const result = decodeListBytes(
      bytes(
        'https://ok/1\n',
        'https://bad/',
        [0xe9],
        '\r',
        'https://ok/2\r\n',
        'https://bad/',
        [0xc3],
        '\n',
        'https://ok/3',
      ),
    )
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect([...result.invalidLines]).toEqual([2, 4])
  })

  it('refuses more than the cap', () => {
    const result = decodeListBytes(new Uint8Array(MAX_LIST_BYTES + 1))
    expect(result).toEqual({
      ok: false,
      problem: 'larger than 64 MB; a list of URLs is never this big',
    })
  })

  it('property: valid UTF-8 text comes back unchanged with no invalid lines', () => {
    fc.assert(
      // NUL-free: mostly-NUL bytes are taken for BOM-less UTF-16 (above).
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((t) => !t.includes('\0')),
        (text) => {
          const clean = text.replace(/^\uFEFF/, '')
          expect(decodeListBytes(Buffer.from(clean, 'utf8'))).toEqual({
            ok: true,
            text: clean,
            invalidLines: new Set(),
          })
        },
      ),
    )
  })

  it('property: a stray byte is reported on exactly its line', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[ -~é]{0,12}$/), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.constantFrom(0x80, 0xbf, 0xc3, 0xff),
        fc.constantFrom('\n', '\r\n', '\r'),
        (lines, pick, stray, eol) => {
          const at = pick % lines.length
          const parts = lines.map((l, i) =>
            i === at ? Buffer.concat([Buffer.from(l), Buffer.from([stray])]) : Buffer.from(l),
          )
          const joined = Buffer.concat(parts.flatMap((p, i) => (i ? [Buffer.from(eol), p] : [p])))
          const result = decodeListBytes(joined)
          expect(result.ok && [...result.invalidLines]).toEqual([at + 1])
        },
      ),
    )
  })
})
