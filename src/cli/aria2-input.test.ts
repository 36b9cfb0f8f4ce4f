import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fromAria2InputFile } from './aria2-input.ts'

describe('fromAria2InputFile', () => {
  it("reads an aria2 --save-session file: mirrors, gid=, dir=, referer=, aria2's options", () => {
    const session = [
      'http://a.example/x.iso\thttp://b.example/x.iso\thttp://c.example/x.iso',
      ' gid=2089b05ecca3d829',
      ' dir=/srv/d',
      ' out=x.iso',
      ' referer=http://a.example/',
      ' continue=true',
      'http://a.example/y.iso',
      ' dir=/elsewhere',
      ' max-connection-per-server=4',
    ].join('\n')
    expect(fromAria2InputFile(session, '/srv/d')).toEqual({
      text: [
        'http://a.example/x.iso',
        '',
        '',
        ' out=x.iso',
        ' header=Referer: http://a.example/',
        '',
        'http://a.example/y.iso',
        '',
        '',
      ].join('\n'),
      notes: [
        {
          line: 1,
          message:
            'mirrors are not supported: downloading from the first URL only (2 others on this line ignored)',
        },
        { line: 6, message: 'continue= (an aria2 option) is not supported per download; ignored' },
        {
          line: 8,
          message:
            'dir=/elsewhere ignored: a list cannot choose another folder; saving into /srv/d (-d)',
        },
        {
          line: 9,
          message:
            'max-connection-per-server= (an aria2 option) is not supported per download; ignored',
        },
      ],
    })
  })

  it('keeps every line where it was, leaves no TAB on a rewritten URL line, and notes only real lines', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        'http://h.example/a',
        'http://h.example/a\thttp://m.example/a',
        ' gid=1',
        ' dir=/d',
        ' dir=sub',
        ' referer=http://r/',
        ' continue=true',
        ' out=n.bin',
        ' bogus=1',
        '# c',
        '',
      ),
      fc.string(),
    )
    fc.assert(
      fc.property(fc.array(piece), fc.constantFrom('\n', '\r\n', '\r'), (lines, eol) => {
        const text = lines.join(eol)
        const before = text.split(/\r\n|\r|\n/)
        const { text: out, notes } = fromAria2InputFile(text, '/d')
        const after = out.split(/\r\n|\r|\n/)
        expect(after).toHaveLength(before.length)
        for (const note of notes) {
          expect(note.line).toBeGreaterThanOrEqual(1)
          expect(note.line).toBeLessThanOrEqual(before.length)
        }
        for (const [i, line] of after.entries()) {
          // A line is kept, emptied, rewritten as a header, or cut to its first URL.
          if (line === before[i] || line === '') continue
          if (line.startsWith(' header=Referer: ')) continue
          expect(before[i]!.trim().startsWith(line)).toBe(true)
          expect(line).not.toContain('\t')
        }
      }),
    )
  })
})
