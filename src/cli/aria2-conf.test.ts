import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readAria2Conf } from './aria2-conf.ts'

describe('readAria2Conf', () => {
  it('turns the options downpour has into flags and reports every other line by number', () => {
    const text = [
      '# downloads',
      'dir=/srv/files',
      'max-connection-per-server=4',
      'continue=true',
      'check-certificate=false',
      '',
      'enable-rpc=true',
      'seed-time=0',
      'quiet=maybe',
      'no equals here',
      'header=X-A: 1',
    ].join('\n')
    expect(readAria2Conf(text, 'aria2.conf')).toEqual({
      args: [
        '--dir=/srv/files',
        '--max-connections-per-download=4',
        '--continue=true',
        '--check-certificate=false',
        '--header=X-A: 1',
      ],
      sources: [
        'aria2.conf:2: dir=/srv/files',
        'aria2.conf:3: max-connection-per-server=4',
        'aria2.conf:4: continue=true',
        'aria2.conf:5: check-certificate=false',
        'aria2.conf:11: header=X-A: 1',
      ],
      notes: [
        'aria2.conf:7: enable-rpc is not an option downpour get has; ignored',
        'aria2.conf:8: seed-time is not an option downpour get has; ignored',
        'aria2.conf:9: quiet takes true or false, got "maybe"; ignored',
        'aria2.conf:10: expected NAME=VALUE, got "no equals here"; ignored',
      ],
    })
  })

  it('every non-blank, non-comment line becomes one flag or one note naming its line (any text)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.constantFrom('dir=x', 'split=2', 'quiet=true', 'bogus=1', '# c', '', '  '),
          ),
        ),
        fc.constantFrom('\n', '\r\n', '\r'),
        (lines, eol) => {
          // A line of the generated text may itself hold line ends: count what the reader sees.
          const text = lines.join(eol)
          const seen = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)
          const meaningful = seen.filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
          const { args, sources, notes } = readAria2Conf(text, 'c')
          expect(args.length + notes.length).toBe(meaningful.length)
          for (const arg of args) expect(arg).toMatch(/^--[a-z-]+=/)
          // Each flag names its line, and that line is what the reader saw there.
          expect(sources).toHaveLength(args.length)
          for (const source of sources) {
            const [, at, what] = /^c:(\d+): (.*)$/s.exec(source) ?? []
            expect(seen[Number(at) - 1]?.trim().replace(/\s*=\s*/, '=')).toBe(what)
          }
          for (const note of notes) {
            const line = Number(/^c:(\d+): /.exec(note)?.[1])
            expect(line).toBeGreaterThanOrEqual(1)
            expect(line).toBeLessThanOrEqual(seen.length)
          }
        },
      ),
    )
  })
})
