import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeBody, startFaultServer, type FaultServer } from '../../test/fault-server.ts'
import { makeDirs } from '../../test/engine-harness.ts'
import { startCli } from '../../test/run-cli.ts'
import { mountSmallDisk, type SmallDisk } from '../../test/small-disk.ts'

let server: FaultServer
let dirs: Awaited<ReturnType<typeof makeDirs>>
let disk: SmallDisk | null = null

beforeEach(async () => {
  server = await startFaultServer()
  dirs = await makeDirs()
})

afterEach(async () => {
  disk?.unmount()
  disk = null
  await server.close()
  await dirs.cleanup()
})

describe('downpour get on a full disk', () => {
  it('ends with exit 1 and says "Disk full — free some space on <folder> and resume"', async () => {
    const mounted = await mountSmallDisk(join(dirs.root, 'small'), 'size=1m')
    if ('skip' in mounted) return console.log(`skipped: ${mounted.skip}`)
    disk = mounted
    server.file('/big.bin', makeBody(3 * 1024 * 1024, 41))
    const result = await startCli([server.url('/big.bin')], {
      downloads: disk.dir,
      state: dirs.state,
    }).done
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      `paused ${server.url('/big.bin')}: Disk full — free some space on ${disk.dir} and resume`,
    )
  }, 60_000)
})
