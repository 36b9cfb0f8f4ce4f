import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeBody, startFaultServer, type FaultServer } from '../../test/fault-server.ts'
import { makeDirs } from '../../test/engine-harness.ts'
import { startCli } from '../../test/run-cli.ts'
import { readXattr, xattrSkipReason } from '../../test/xattr.ts'

let server: FaultServer
let dirs: Awaited<ReturnType<typeof makeDirs>>

beforeEach(async () => {
  server = await startFaultServer()
  dirs = await makeDirs()
})

afterEach(async () => {
  await server.close()
  await dirs.cleanup()
})

// wget and curl write origin xattrs only with --xattr: the URL (a signed link's token with it)
// travels with every copy of the file. `downpour get` does the same; the window marks always.
describe('downpour get --xattr', () => {
  it('records the origin URL only when asked', async () => {
    const skip = xattrSkipReason(dirs.root)
    if (skip) return console.log(`skipped: ${skip}`)
    server.file('/plain.bin', makeBody(2000, 1))
    server.file('/marked.bin', makeBody(2000, 2))
    const options = { downloads: dirs.downloads, state: dirs.state }

    const plain = await startCli([server.url('/plain.bin')], options).done
    expect(plain.code).toBe(0)
    expect(readXattr(join(dirs.downloads, 'plain.bin'), 'user.xdg.origin.url')).toBeNull()

    const marked = await startCli(['--xattr', server.url('/marked.bin')], options).done
    expect(marked.code).toBe(0)
    expect(readXattr(join(dirs.downloads, 'marked.bin'), 'user.xdg.origin.url')).toBe(
      server.url('/marked.bin'),
    )
  }, 30_000)
})
