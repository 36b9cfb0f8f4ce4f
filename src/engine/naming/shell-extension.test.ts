import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  isShellIntegratedExtension,
  lastExtension,
  shellIntegratedExtensionOf,
  withSafeExtension,
} from './shell-extension.ts'

describe('isShellIntegratedExtension', () => {
  it.each([
    'lnk',
    'LNK',
    'Lnk',
    'local',
    'scf',
    'url',
    'URL',
    '{20D04FE0-3AEA-1069-A2D8-08002B30309D}',
    '{}',
  ])('%j is shell-integrated', (extension) => {
    expect(isShellIntegratedExtension(extension)).toBe(true)
  })

  it.each([
    '',
    'pdf',
    'lnk2',
    'xlnk',
    'download',
    'desktop',
    'exe',
    '{',
    '}',
    '{abc',
    'abc}',
    'urls',
  ])('%j is not', (extension) => {
    expect(isShellIntegratedExtension(extension)).toBe(false)
  })
})

describe('lastExtension', () => {
  it.each([
    ['a.tar.gz', 'gz'],
    ['noext', ''],
    ['.bashrc', ''],
    ['a.', ''],
  ])('%j → %j', (name, extension) => {
    expect(lastExtension(name)).toBe(extension)
  })
})

describe('withSafeExtension', () => {
  it.each([
    ['invoice.pdf.lnk', 'invoice.pdf.download'],
    ['x.{20D04FE0-3AEA-1069-A2D8-08002B30309D}', 'x.download'],
    ['x.SCF', 'x.download'],
    ['bank.url', 'bank.download'],
    ['a.local', 'a.download'],
    // Windows drops trailing dots and spaces: "x.lnk. ." is a shortcut too.
    ['x.lnk. .', 'x.download'],
    ['report.pdf', 'report.pdf'],
    ['run.desktop', 'run.desktop'],
    ['lnk', 'lnk'],
  ])('%j → %j', (name, expected) => {
    expect(withSafeExtension(name)).toBe(expected)
    expect(shellIntegratedExtensionOf(withSafeExtension(name))).toBeNull()
  })

  it('property: the result never ends in a shell-integrated extension, and is stable', () => {
    const part = fc.constantFrom(
      'a',
      '.',
      ' ',
      'lnk',
      'LNK',
      'url',
      'scf',
      'local',
      '{',
      '}',
      'x',
      '.pdf',
    )
    const name = fc.array(part, { maxLength: 10 }).map((parts) => parts.join(''))
    fc.assert(
      fc.property(fc.oneof(name, fc.string({ maxLength: 40 })), (input) => {
        const safe = withSafeExtension(input)
        expect(shellIntegratedExtensionOf(safe)).toBeNull()
        expect(withSafeExtension(safe)).toBe(safe)
        if (shellIntegratedExtensionOf(input) === null) expect(safe).toBe(input)
      }),
    )
  })
})
