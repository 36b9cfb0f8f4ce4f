import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatDownloadLimit, MAX_DOWNLOAD_LIMIT, parseDownloadLimit } from './download-limit.ts'

describe('a download speed limit typed in the details panel', () => {
  it('takes rates with binary units, and empty or 0 for no limit', () => {
    expect(parseDownloadLimit('750K')).toEqual({ ok: true, bytesPerSecond: 750 * 1024 })
    expect(parseDownloadLimit(' 3M/s ')).toEqual({ ok: true, bytesPerSecond: 3 * 1024 ** 2 })
    expect(parseDownloadLimit('1.5 MiB')).toEqual({ ok: true, bytesPerSecond: 1.5 * 1024 ** 2 })
    expect(parseDownloadLimit('')).toEqual({ ok: true, bytesPerSecond: 0 })
    expect(parseDownloadLimit('0')).toEqual({ ok: true, bytesPerSecond: 0 })
    expect(parseDownloadLimit('none')).toEqual({ ok: true, bytesPerSecond: 0 })
  })

  it('refuses what is not a rate, too slow or too fast, in sentences', () => {
    expect(parseDownloadLimit('fast')).toEqual({
      ok: false,
      problem:
        '"fast" is not a speed: write a rate like 750K or 3M (a second), or leave it empty for no limit',
    })
    expect(parseDownloadLimit('-5K')).toMatchObject({ ok: false })
    expect(parseDownloadLimit('100')).toEqual({
      ok: false,
      problem: 'must be at least 1 KiB/s (or 0 for no limit)',
    })
    expect(parseDownloadLimit('2T')).toEqual({ ok: false, problem: 'must be at most 1.0 TiB/s' })
  })

  it('reads back what it shows: formatting then parsing any limit in range is the same limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1024, max: MAX_DOWNLOAD_LIMIT }), (bytes) => {
        expect(parseDownloadLimit(formatDownloadLimit(bytes))).toEqual({
          ok: true,
          bytesPerSecond: bytes,
        })
      }),
    )
    expect(formatDownloadLimit(0)).toBe('')
    expect(formatDownloadLimit(3 * 1024 ** 2)).toBe('3M')
  })

  it('never throws, and every answer is a limit in range or a refusal', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const result = parseDownloadLimit(text)
        if (result.ok)
          expect(
            result.bytesPerSecond === 0 ||
              (result.bytesPerSecond >= 1024 && result.bytesPerSecond <= MAX_DOWNLOAD_LIMIT),
          ).toBe(true)
        else expect(result.problem.length).toBeGreaterThan(0)
      }),
    )
  })
})
