import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { useCli } from '../../test/run-cli.ts'
import { readXattr, xattrSkipReason } from '../../test/xattr.ts'

const { server, dirs, start } = useCli()

// wget and curl write origin xattrs only with --xattr: the URL (a signed link's token with it)
// travels with every copy of the file. `downpour get` does the same; the window marks always.
describe('downpour get --xattr', () => {
  it('records the origin URL only when asked', async () => {
    const skip = xattrSkipReason(dirs.root)
    if (skip) return console.log(`skipped: ${skip}`)
    server.file('/plain.bin', makeBody(2000, 1))
    server.file('/marked.bin', makeBody(2000, 2))

    const plain = await start([server.url('/plain.bin')]).done
    expect(plain.code).toBe(0)
    expect(readXattr(join(dirs.downloads, 'plain.bin'), 'user.xdg.origin.url')).toBeNull()

    const marked = await start(['--xattr', server.url('/marked.bin')]).done
    expect(marked.code).toBe(0)
    expect(readXattr(join(dirs.downloads, 'marked.bin'), 'user.xdg.origin.url')).toBe(
      server.url('/marked.bin'),
    )
  }, 30_000)
})
