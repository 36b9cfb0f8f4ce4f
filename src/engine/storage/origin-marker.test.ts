import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { OriginMarker } from './origin-marker.ts'
import { readXattr, xattrSkipReason } from '../../../test/xattr.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'downpour-marks-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('OriginMarker on Linux', () => {
  it('marks a batch of files, hostile names included, and skips those that are gone', async (ctx) => {
    const reason = xattrSkipReason(dir)
    if (reason) {
      console.log(`skipped: ${reason}`)
      ctx.skip()
    }
    const logs: string[] = []
    const marker = new OriginMarker({ platform: 'linux', log: (m) => logs.push(m), batchMs: 10 })
    const names = ['plain.bin', 'a b\\c\né.txt', '# file: x', 'gone.bin', 'last.bin']
    for (const name of names) if (name !== 'gone.bin') await writeFile(join(dir, name), 'x')
    for (const name of names) {
      marker.mark({
        path: join(dir, name),
        url: `https://user:secret@example.com/${encodeURIComponent(name)}#f`,
        referrer: name === 'plain.bin' ? 'https://example.com/page' : null,
      })
    }
    await marker.flush()
    for (const name of names.filter((n) => n !== 'gone.bin')) {
      expect(readXattr(join(dir, name), 'user.xdg.origin.url'), name).toBe(
        `https://example.com/${encodeURIComponent(name)}`,
      )
    }
    expect(readXattr(join(dir, 'plain.bin'), 'user.xdg.referrer.url')).toBe(
      'https://example.com/page',
    )
    expect(readXattr(join(dir, 'last.bin'), 'user.xdg.referrer.url')).toBeNull()
    // The vanished file is reported, not thrown.
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatch(/cannot mark some downloaded files.*gone\.bin/)
  })

  it('writes nothing and logs once when setfattr is missing; never throws', async () => {
    const logs: string[] = []
    const marker = new OriginMarker({
      platform: 'linux',
      log: (m) => logs.push(m),
      setfattr: join(dir, 'no-such-setfattr'),
    })
    await writeFile(join(dir, 'f'), 'x')
    marker.mark({ path: join(dir, 'f'), url: 'https://example.com/f', referrer: null })
    await marker.flush()
    marker.mark({ path: join(dir, 'f'), url: 'https://example.com/f', referrer: null })
    await marker.flush()
    expect(logs).toEqual([
      'downloaded files are not marked with their origin: setfattr is not installed (Debian and Ubuntu: apt install attr)',
    ])
  })

  it('leaves nothing that keeps the process alive when setfattr is missing', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const before = timers()
    const marker = new OriginMarker({
      platform: 'linux',
      log: () => {},
      setfattr: join(dir, 'no-such-setfattr'),
    })
    await writeFile(join(dir, 'f'), 'x')
    marker.mark({ path: join(dir, 'f'), url: 'https://example.com/f', referrer: null })
    await marker.flush()
    // spawn's own `timeout` left a ref'd 10 s timer here: `downpour get` waited for it.
    expect(timers()).toBeLessThanOrEqual(before)
  })

  it('logs at most a few failures per process', async () => {
    const logs: string[] = []
    const marker = new OriginMarker({ platform: 'linux', log: (m) => logs.push(m) })
    for (let i = 0; i < 20; i++) {
      marker.mark({ path: join(dir, `missing-${i}`), url: 'https://example.com/', referrer: null })
      await marker.flush()
    }
    const reason = xattrSkipReason(dir)
    if (reason === null) {
      expect(logs).toHaveLength(6)
      expect(logs.at(-1)).toBe('further failures to mark downloaded files are not logged')
    } else {
      expect(logs.length).toBeLessThanOrEqual(6)
    }
  })
})

describe('OriginMarker on Windows (run here against a plain path)', () => {
  it('writes the Zone.Identifier text next to the file name', async () => {
    // On Linux `file:Zone.Identifier` is just another file name: what Windows would put in the
    // NTFS stream lands in that file, so its content is checked for real.
    const marker = new OriginMarker({ platform: 'win32', log: () => {} })
    const path = join(dir, 'setup.exe')
    marker.mark({ path, url: 'https://u:p@example.com/setup.exe', referrer: null })
    await marker.flush()
    expect(await readFile(`${path}:Zone.Identifier`, 'utf8')).toBe(
      '[ZoneTransfer]\r\nZoneId=3\r\nHostUrl=https://example.com/setup.exe\r\n',
    )
  })
})

describe('OriginMarker elsewhere', () => {
  it('does nothing on platforms without a known mark', async () => {
    const logs: string[] = []
    const marker = new OriginMarker({ platform: 'freebsd', log: (m) => logs.push(m) })
    marker.mark({ path: join(dir, 'f'), url: 'https://example.com/', referrer: null })
    await marker.flush()
    expect(logs).toEqual([])
  })
})
