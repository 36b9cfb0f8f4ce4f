import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { pickUniqueName, withCounter } from './unique-name.ts'

describe('withCounter', () => {
  it.each([
    ['report.pdf', 0, 'report.pdf'],
    ['report.pdf', 1, 'report (1).pdf'],
    ['report.pdf', 2, 'report (2).pdf'],
    ['archive.tar.gz', 1, 'archive (1).tar.gz'],
    ['archive.TAR.gz', 3, 'archive.TAR (3).gz'],
    ['README', 1, 'README (1)'],
    ['v1.2.3', 1, 'v1.2 (1).3'],
    ['photo.JPEG', 12, 'photo (12).JPEG'],
    ['notes.a-very-long-extension', 1, 'notes.a-very-long-extension (1)'],
    ['line\u2028break.pdf', 1, 'line\u2028break (1).pdf'],
    ['line\nbreak.pdf', 1, 'line\nbreak (1).pdf'],
  ])('%j, %i → %j', (name, n, expected) => {
    expect(withCounter(name, n)).toBe(expected)
  })

  it('property: counters give distinct names that keep the extension', () => {
    // Any stem, including line separators (U+2028) that sanitizeFileName lets through.
    const stem = fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => !/[./\\]/.test(s)),
      fc
        .array(fc.constantFrom('a', 'Z', ' ', '\n', '\r', '\u2028', '\u2029', 'é', '😀', ' (1)'), {
          minLength: 1,
          maxLength: 8,
        })
        .map((parts) => parts.join('')),
    )
    const name = fc.tuple(stem, fc.constantFrom('', '.pdf', '.tar.gz', '.JPG', '.7z'))
    fc.assert(
      fc.property(name, fc.nat({ max: 999 }), fc.nat({ max: 999 }), ([stem, ext], a, b) => {
        const full = stem + ext
        const na = withCounter(full, a)
        expect(na.endsWith(ext)).toBe(true)
        expect(na.startsWith(stem)).toBe(true)
        if (a !== b) expect(na).not.toBe(withCounter(full, b))
      }),
    )
  })
})

describe('pickUniqueName', () => {
  let dir: string
  const never = async () => false

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'downpour-unique-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('returns the name when nothing is in the way', async () => {
    const canAdopt = vi.fn(never)
    expect(await pickUniqueName(dir, 'report.pdf', new Set(), canAdopt)).toBe('report.pdf')
    expect(canAdopt).not.toHaveBeenCalled()
  })

  it('never overwrites an existing file', async () => {
    await writeFile(join(dir, 'report.pdf'), 'old')
    expect(await pickUniqueName(dir, 'report.pdf', new Set(), never)).toBe('report (1).pdf')
    await writeFile(join(dir, 'report (1).pdf'), 'old')
    expect(await pickUniqueName(dir, 'report.pdf', new Set(), never)).toBe('report (2).pdf')
  })

  it('does not take the name of another download’s .part or control file', async () => {
    await writeFile(join(dir, 'a.zip.part'), '')
    await writeFile(join(dir, 'a (1).zip.part.downpour'), '')
    const canAdopt = vi.fn(never)
    expect(await pickUniqueName(dir, 'a.zip', new Set(), canAdopt)).toBe('a (2).zip')
    expect(canAdopt.mock.calls).toEqual([['a.zip'], ['a (1).zip']])
  })

  it('adopts its own .part from an earlier run', async () => {
    await writeFile(join(dir, 'a.zip.part'), 'partial')
    const canAdopt = vi.fn(async (candidate: string) => candidate === 'a.zip')
    expect(await pickUniqueName(dir, 'a.zip', new Set(), canAdopt)).toBe('a.zip')
    expect(canAdopt).toHaveBeenCalledWith('a.zip')
  })

  it('does not ask to adopt when the final file already exists', async () => {
    await writeFile(join(dir, 'a.zip'), 'done')
    await writeFile(join(dir, 'a.zip.part'), 'partial')
    const canAdopt = vi.fn(async () => true)
    expect(await pickUniqueName(dir, 'a.zip', new Set(), canAdopt)).toBe('a (1).zip')
    expect(canAdopt).not.toHaveBeenCalledWith('a.zip')
  })

  it('skips names reserved by other downloads of this engine', async () => {
    const reserved = new Set([join(dir, 'a.zip'), join(dir, 'a (1).zip')])
    expect(await pickUniqueName(dir, 'a.zip', reserved, never)).toBe('a (2).zip')
    // A reservation in another folder does not matter here.
    expect(await pickUniqueName(dir, 'b.zip', new Set([join(tmpdir(), 'b.zip')]), never)).toBe(
      'b.zip',
    )
  })

  it('combines files, parts and reservations', async () => {
    await writeFile(join(dir, 'archive.tar.gz'), '')
    await writeFile(join(dir, 'archive (1).tar.gz.part'), '')
    const reserved = new Set([join(dir, 'archive (2).tar.gz')])
    expect(await pickUniqueName(dir, 'archive.tar.gz', reserved, never)).toBe('archive (3).tar.gz')
  })
})
