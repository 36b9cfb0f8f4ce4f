import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { useEngineHarness } from '../../test/engine-harness.ts'
import { readXattr, xattrSkipReason } from '../../test/xattr.ts'
import { mkdir } from 'node:fs/promises'

const { server, dirs, open } = useEngineHarness({ engine: false })

/** Finding 7b of issue 20: no mark was written on downloaded files. */
describe('origin marks', () => {
  it('records where each completed file came from, without the URL’s password', async (ctx) => {
    await mkdir(dirs.downloads, { recursive: true })
    const reason = xattrSkipReason(dirs.downloads)
    if (reason) {
      console.log(`skipped: ${reason}`)
      ctx.skip()
    }
    const engine = await open()
    server.file('/from/here.bin', makeBody(5000))
    const url = server.url('/from/here.bin').replace('http://', 'http://alice:hunter2@')
    const result = await engine.add([{ url, headers: { Referer: 'https://example.com/page#top' } }])
    const done = await engine.waitFor(result.added[0]!.id, ['completed'])
    // Marks are written in the background; closing the engine waits for them.
    await engine.close()
    const path = join(done.dir, done.name)
    expect(readXattr(path, 'user.xdg.origin.url')).toBe(server.url('/from/here.bin'))
    expect(readXattr(path, 'user.xdg.referrer.url')).toBe('https://example.com/page')
  })

  it('marks nothing when the host turns marks off', async (ctx) => {
    await mkdir(dirs.downloads, { recursive: true })
    const reason = xattrSkipReason(dirs.downloads)
    if (reason) {
      console.log(`skipped: ${reason}`)
      ctx.skip()
    }
    const engine = await open({ originMarks: false })
    server.file('/plain.bin', makeBody(100))
    const result = await engine.add([{ url: server.url('/plain.bin') }])
    const done = await engine.waitFor(result.added[0]!.id, ['completed'])
    await engine.close()
    expect(readXattr(join(done.dir, done.name), 'user.xdg.origin.url')).toBeNull()
  })
})
