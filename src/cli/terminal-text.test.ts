import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { escapeTerminalText, terminalSafeJson } from './terminal-text.ts'

// eslint-disable-next-line no-control-regex
const ACTIVE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/

describe('escapeTerminalText', () => {
  it('shows escape sequences, BEL, C1 and bidi overrides visibly', () => {
    expect(escapeTerminalText('a\u001b]0;pwned\u0007b')).toBe('a\\x1b]0;pwned\\x07b')
    expect(escapeTerminalText('\u001b[2Jclear')).toBe('\\x1b[2Jclear')
    expect(escapeTerminalText('x\u009b31m')).toBe('x\\x9b31m')
    expect(escapeTerminalText('evil\u202etxt.exe')).toBe('evil\\u202etxt.exe')
    expect(escapeTerminalText('tab\there\r\n')).toBe('tab\\x09here\\x0d\\x0a')
  })

  it('leaves ordinary text alone, accents and all scripts included', () => {
    for (const text of [
      'https://a.example/été?x=1',
      '日本語.pdf',
      'done a.bin (1.0 MB)',
      'العربية',
    ])
      expect(escapeTerminalText(text)).toBe(text)
  })

  it('property: the result never holds an active character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(ACTIVE.test(escapeTerminalText(text))).toBe(false)
      }),
    )
  })

  it('property: --json lines parse back to the same value and hold no active character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const line = terminalSafeJson({ message: text })
        expect(ACTIVE.test(line)).toBe(false)
        expect(JSON.parse(line)).toEqual({ message: text })
      }),
    )
  })
})
