import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeBody, startFaultServer, type FaultServer } from '../../test/fault-server.ts'
import {
  addOne,
  makeDirs,
  sha256,
  sha256File,
  startEngine,
  type TestEngine,
} from '../../test/engine-harness.ts'
import { join } from 'node:path'

let server: FaultServer
let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: TestEngine
const KiB = 1024

beforeEach(async () => {
  server = await startFaultServer()
  dirs = await makeDirs()
  engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
})

afterEach(async () => {
  await engine.close()
  await server.close()
  await dirs.cleanup()
})

describe('configure (a download’s own options)', () => {
  it('lifts a running download’s speed limit at once: an 8 MiB file limited to 16 KiB/s finishes', async () => {
    const body = makeBody(8192 * KiB, 7)
    server.file('/slow.bin', body)
    const id = await addOne(engine, { url: server.url('/slow.bin'), speedLimit: 16 * KiB })
    await engine.waitFor(id, ['probing', 'downloading'])
    const changed = await engine.configure(id, { speedLimit: 0, maxConnections: 4 })
    expect(changed).toMatchObject({ id, speedLimit: 0, maxConnections: 4 })
    // At 16 KiB/s this would need over eight minutes, far past waitFor's 20 s.
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'slow.bin'))).toBe(sha256(body))
  })

  it('announces the change, keeps it across a restart, and names what is wrong', async () => {
    server.file('/later.bin', makeBody(1000, 8))
    const id = await addOne(engine, { url: server.url('/later.bin'), paused: true })
    await engine.configure(id, { maxTries: 9, speedLimit: 1000 })
    expect(engine.changes.at(-1)?.download).toMatchObject({ id, maxTries: 9, speedLimit: 1000 })
    await expect(engine.configure(id, { maxConnections: 99 })).rejects.toThrow(/maxConnections/)
    await expect(engine.configure('nope', { maxTries: 1 })).rejects.toThrow(
      /no download with id nope/,
    )
    await engine.close()
    engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
    const again = (await engine.snapshot()).downloads.find((d) => d.id === id)
    expect(again).toMatchObject({ state: 'paused', maxTries: 9, speedLimit: 1000 })
  })
})
