import { readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { useEngineHarness } from '../../test/engine-harness.ts'

const { server, dirs, open } = useEngineHarness({ engine: false })

/**
 * Finding 7a of issue 20: names a server suggests that the Windows shell acts on by itself were
 * kept as they were. They are renamed as Chromium renames them; names a client asks for are
 * refused with a reason.
 */
describe('dangerous names', () => {
  it('renames shell-integrated extensions and shell files a server suggests', async () => {
    const engine = await open()
    const cases: [string, { contentDisposition?: string }, string][] = [
      [
        '/a',
        { contentDisposition: 'attachment; filename="invoice.pdf.lnk"' },
        'invoice.pdf.download',
      ],
      [
        '/b',
        { contentDisposition: 'attachment; filename="x.{20D04FE0-3AEA-1069-A2D8-08002B30309D}"' },
        'x.download',
      ],
      ['/c', { contentDisposition: "attachment; filename*=UTF-8''cmd.scf" }, 'cmd.download'],
      ['/d/bank.url', {}, 'bank.download'],
      ['/e/a.local', {}, 'a.download'],
      ['/f', { contentDisposition: 'attachment; filename="desktop.ini"' }, '_desktop.ini'],
      ['/g', { contentDisposition: 'attachment; filename="y.LNK. ."' }, 'y.download'],
    ]
    for (const [path, options] of cases) server.file(path, makeBody(100), options)
    const result = await engine.add(cases.map(([path]) => ({ url: server.url(path) })))
    expect(result.rejected).toEqual([])
    const done = await Promise.all(
      result.added.map((d) => engine.waitFor(d.id, ['completed'], 20_000)),
    )
    expect(done.map((d) => d.name)).toEqual(cases.map(([, , name]) => name))
    expect((await readdir(dirs.downloads)).sort()).toEqual(cases.map(([, , name]) => name).sort())
  })

  it('refuses a requested name with a shell-integrated extension, naming the rule', async () => {
    const engine = await open()
    server.file('/ok.bin', makeBody(10))
    const result = await engine.add([
      { url: server.url('/ok.bin'), name: 'invoice.pdf.lnk', paused: true },
      {
        url: server.url('/ok.bin'),
        name: 'x.{20D04FE0-3AEA-1069-A2D8-08002B30309D}',
        paused: true,
      },
      { url: server.url('/ok.bin'), name: 'readme.url.', paused: true },
      { url: server.url('/ok.bin'), name: 'fine.pdf', paused: true },
    ])
    expect(result.added.map((d) => d.name)).toEqual(['fine.pdf'])
    expect(result.rejected.map((r) => [r.index, r.error.code])).toEqual([
      [0, 'DP_ERR_INVALID_ARGUMENT'],
      [1, 'DP_ERR_INVALID_ARGUMENT'],
      [2, 'DP_ERR_INVALID_ARGUMENT'],
    ])
    expect(result.rejected[0]?.error.message).toMatch(/must not end in \.lnk.*invoice\.pdf\.lnk/)
    const added = result.added[0]!
    const update = await engine.update([{ id: added.id, name: 'renamed.scf' }])
    expect(update.updated).toEqual([])
    expect(update.rejected[0]?.error.message).toMatch(/must not end in \.scf/)
  })
})
