import { readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { sha256, sha256File } from '../../test/engine-harness.ts'
import { useCli } from '../../test/run-cli.ts'

// The engine does not make again a folder that held a download's bytes and went away (issue
// 25). On the command line the folder is named anew by each run: removing it and running the
// same command again starts the download over there.
const { server, dirs, start } = useCli()

describe('downpour get after its download folder was removed', () => {
  it('interrupted mid-download, folder removed, same command: the folder is made and the file is right', async () => {
    const body = makeBody(400_000, 9)
    server.file('/f.bin', body, {
      fault: ({ attempt }) => (attempt === 1 ? { kind: 'stall', afterBytes: 150_000 } : undefined),
    })
    const run = start(['-x', '1', server.url('/f.bin')])
    let bytes = 0
    for (let look = 0; look < 400 && bytes === 0; look++) {
      const part = (await readdir(dirs.downloads).catch(() => [])).find((n) => n.endsWith('.part'))
      bytes = part ? (await stat(join(dirs.downloads, part))).size : 0
      if (bytes === 0) await new Promise((resolve) => setTimeout(resolve, 25))
    }
    expect(bytes).toBeGreaterThan(0)
    // Ctrl-C: the download is paused with its byte count kept in the queue.
    run.child.kill('SIGINT')
    expect((await run.done).code).toBe(130)
    await rm(dirs.downloads, { recursive: true })

    const rerun = await start(['-x', '1', server.url('/f.bin')]).done
    expect(rerun.stderr).toBe('')
    expect(rerun.code).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'f.bin'))).toBe(sha256(body))
  })
})
