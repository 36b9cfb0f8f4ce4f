import fc from 'fast-check'
import { spawnSync } from 'node:child_process'
import { symlinkSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { inputBlocks, sessionText, writeSessionFile } from './session-file.ts'

describe('inputBlocks', () => {
  it("keeps each entry's URL line and option lines as read, by the URL line's number", () => {
    const text = [
      '# a list',
      'http://a.example/x\thttp://b.example/x',
      ' gid=1',
      '# a comment among the options',
      ' out=x.bin',
      '',
      'http://a.example/y',
      'http://a.example/z',
      '\tdir=/d',
    ].join('\r\n')
    expect(inputBlocks(text)).toEqual(
      new Map([
        [
          2,
          'http://a.example/x\thttp://b.example/x\n gid=1\n# a comment among the options\n out=x.bin',
        ],
        [7, 'http://a.example/y'],
        [8, 'http://a.example/z\n\tdir=/d'],
      ]),
    )
  })

  it('a session written from the blocks reads back as the same blocks', () => {
    const url = fc.constantFrom('http://a.example/1', 'http://b.example/2', 'http://c.example/3')
    const entry = fc.record({
      urls: fc.array(url, { minLength: 1, maxLength: 3 }),
      options: fc.array(fc.constantFrom(' gid=2089b05e', ' dir=/d', '\tout=n.bin', ' bogus=1'), {
        maxLength: 4,
      }),
    })
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), (entries) => {
        const blocks = entries.map((e) => [e.urls.join('\t'), ...e.options].join('\n'))
        const text = sessionText(
          blocks.map((block, i) => ({
            url: entries[i]!.urls[0]!,
            source: { urls: entries[i]!.urls, block },
          })),
        )
        expect([...inputBlocks(text).values()]).toEqual(blocks)
      }),
    )
  })
})

describe('sessionText', () => {
  it('an entry not from a list: its URL (every mirror when known) and the -o name', () => {
    expect(
      sessionText([
        { url: 'http://a.example/x' },
        { url: 'http://a.example/y', out: 'y.bin' },
        {
          url: 'http://a.example/z',
          source: { urls: ['http://a.example/z', 'http://m/z'], block: null },
        },
      ]),
    ).toBe('http://a.example/x\nhttp://a.example/y\n out=y.bin\nhttp://a.example/z\thttp://m/z\n')
    expect(sessionText([])).toBe('')
  })
})

describe('writeSessionFile', () => {
  it('replaces the file whole and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'downpour-session-'))
    try {
      const path = join(dir, 'session.txt')
      await writeSessionFile(path, 'http://a.example/x\n')
      await writeSessionFile(path, 'http://a.example/y\n')
      expect(await readFile(path, 'utf8')).toBe('http://a.example/y\n')
      expect(await readdir(dir)).toEqual(['session.txt'])
      await expect(writeSessionFile(join(dir, 'no', 'such.txt'), 'x')).rejects.toThrow(/ENOENT/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('removes the temps of this file that dead runs left, and nothing else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'downpour-session-'))
    try {
      const path = join(dir, 'session.txt')
      // A process that has ended: its pid names a temp nobody is writing any more.
      const dead = spawnSync(process.execPath, ['-e', '']).pid!
      const stale = `.session.txt.${dead}.0123456789ab.tmp`
      const live = `.session.txt.${process.ppid}.0123456789ab.tmp`
      const others = [`.other.txt.${dead}.0123456789ab.tmp`, `.session.txt.${dead}.tmp`, 'notes']
      for (const name of [stale, live, ...others]) await writeFile(join(dir, name), 'x')
      await writeSessionFile(path, 'http://a.example/x\n')
      expect((await readdir(dir)).sort()).toEqual(['session.txt', live, ...others].sort())
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('never writes through a link planted at a temp name, and keeps the file to its owner', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'downpour-session-'))
    try {
      const path = join(dir, 'session.txt')
      const target = join(dir, 'target')
      await writeFile(target, 'untouched')
      // The old writer's temp name was known in advance (the pid): a link there was followed.
      symlinkSync(target, `${path}.downpour-${process.pid}.tmp`)
      await writeSessionFile(path, 'header=Authorization: Bearer t\n')
      expect(await readFile(target, 'utf8')).toBe('untouched')
      expect((await stat(path)).mode & 0o777).toBe(0o600)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
