import { createHook } from 'node:async_hooks'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'

/**
 * What a download resumed by a new engine (a rerun) does before its first request. Each
 * thread-pool round trip on that way waits for a turn of the event loop, and a rerun's loop is
 * busy adding the rest of its list in chunks, one chunk a turn: every trip there cost the first
 * new byte a chunk's worth of CPU (docs/benchmarks.md, W5). The looks at the folder, at the
 * `.part` and its final name, at the free space and at the control file are made on this
 * thread; what is left is opening the part file and asking its length. Counted, not timed.
 */

const KiB = 1024
const { server, dirs, engine, open } = useEngineHarness()

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('a rerun of a paused download', () => {
  it('makes at most 2 thread-pool round trips from resume to its first request (opening the part and asking its length)', async () => {
    const size = 2048 * KiB
    const body = makeBody(size, 19)
    server.file('/rerun.bin', body, { rateLimit: 256 * KiB })
    const id = await addOne(engine, { url: server.url('/rerun.bin') })
    for (let i = 0; i < 400; i++) {
      const d = (await engine.snapshot()).downloads.find((x) => x.id === id)
      if ((d?.done ?? 0) >= 128 * KiB) break
      await sleep(25)
    }
    await engine.pause({ ids: [id] })
    const control = JSON.parse(
      await readFile(join(dirs.downloads, 'rerun.bin.part.downpour'), 'utf8'),
    ) as { durable: unknown[] }
    expect(control.durable.length).toBeGreaterThan(0)
    await engine.close()

    // The rerun: a new engine on the same folders, its folder and free-space caches empty.
    const rerun = await open()
    const trips: string[] = []
    let counting = false
    const hook = createHook({
      init(_id, type) {
        if (counting && type.startsWith('FSREQ')) trips.push(type)
      },
    })
    let requests = 0
    server.file('/rerun.bin', body, {
      fault: () => {
        if (requests++ === 0) counting = false
        return undefined
      },
    })
    hook.enable()
    try {
      counting = true
      await rerun.resume({ ids: [id] })
      const done = await rerun.waitFor(id, ['completed', 'failed'])
      expect(done.error?.message ?? null).toBeNull()
    } finally {
      hook.disable()
    }
    expect(await sha256File(join(dirs.downloads, 'rerun.bin'))).toBe(sha256(body))
    expect(requests).toBeGreaterThan(0)
    // Before: 9 — a mkdir of the folder already there, an lstat each of the `.part` and its
    // final name, a statfs, and the control file's open, read and close came on top of these.
    expect(trips.length, trips.join(', ')).toBeLessThanOrEqual(2)
  }, 30_000)
})
