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
    const reading = fromAria2InputFile(session, '/srv/d', '/home/u')
    expect(reading.text).toBe(
      [
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
    )
    // The mirrors are used (no note): only what is not applied is noted.
    expect(reading.notes).toEqual([
      { line: 6, message: 'continue= (an aria2 option) is not supported per download; ignored' },
      {
        line: 9,
        message:
          'max-connection-per-server= (an aria2 option) is not supported per download; ignored',
      },
    ])
    // Every mirror is kept with the entry (its URL line's number), the download's URL first.
    expect(reading.mirrors).toEqual(
      new Map([
        [1, ['http://a.example/x.iso', 'http://b.example/x.iso', 'http://c.example/x.iso']],
      ]),
    )
    expect(reading.dirs).toEqual(new Map([[1, '/srv/d']]))
    expect(reading.refused).toEqual(
      new Map([
        [
          7,
          'dir=/elsewhere (line 8) is outside the download folder /srv/d: nothing is saved outside -d; run with -d /elsewhere (or a folder that holds it) to save it there',
        ],
      ]),
    )
  })

  it('dir= as aria2c reads it (relative to the current folder), honoured only inside -d', () => {
    const at = (dir: string) =>
      fromAria2InputFile(`http://h.example/a\n dir=${dir}\n`, '/srv/d', '/srv/d')
    expect(at('isos').dirs.get(1)).toBe('/srv/d/isos')
    expect(at('/srv/d/isos/../iso2').dirs.get(1)).toBe('/srv/d/iso2')
    expect(at('.').dirs.get(1)).toBe('/srv/d')
    expect(at('..').refused.has(1)).toBe(true)
    expect(at('../d2').refused.has(1)).toBe(true)
    expect(at('/srv/d2').refused.has(1)).toBe(true)
    // A folder whose name begins with two dots is inside.
    expect(at('..x').dirs.get(1)).toBe('/srv/d/..x')
    // From another current folder, the same relative dir= is another folder: refused.
    expect(
      fromAria2InputFile('http://h.example/a\n dir=isos\n', '/srv/d', '/home/u').refused.get(1),
    ).toContain('dir=isos (line 2) is outside the download folder /srv/d')
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
        const { text: out, notes, mirrors, dirs, refused } = fromAria2InputFile(text, '/d', '/d')
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
        // What is kept per entry is keyed by a URL line (not indented), and a folder is in -d.
        for (const key of [...mirrors.keys(), ...dirs.keys(), ...refused.keys()]) {
          expect(before[key - 1]).toMatch(/^\S/)
        }
        for (const [key, urls] of mirrors)
          expect(urls.join('\t')).toBe(
            before[key - 1]!.trim()
              .split('\t')
              .map((u) => u.trim())
              .filter(Boolean)
              .join('\t'),
          )
        for (const dir of dirs.values()) expect(dir === '/d' || dir.startsWith('/d/')).toBe(true)
      }),
    )
  })
})
