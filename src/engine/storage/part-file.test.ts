import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PartFile } from './part-file.ts'
import { mountSmallDisk } from '../../../test/small-disk.ts'
import { totalBytes } from '../segments/byte-ranges.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'downpour-part-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const bytes = (length: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff))

describe('PartFile', () => {
  it('puts each stream’s bytes at its offset and reports what the OS accepted', async () => {
    const path = join(dir, 'a.bin.part')
    const part = await PartFile.open(path, 'exclusive')
    const head = part.stream(0)
    const tail = part.stream(300_000)
    const first = bytes(300_000, 1)
    const second = bytes(200_000, 2)
    // Socket-sized chunks, interleaved as two connections would deliver them.
    for (let at = 0; at < 300_000; at += 16_384) {
      head.write(first.subarray(at, at + 16_384))
      if (at < 200_000) tail.write(second.subarray(at, Math.min(200_000, at + 16_384)))
    }
    head.close()
    tail.close()
    expect(await part.sync()).toEqual([{ start: 0, end: 500_000 }])
    await part.close()
    expect(await readFile(path)).toEqual(Buffer.concat([first, second]))
  })

  it('claims a name exclusively, resumes without truncating, and starts fresh when told', async () => {
    const path = join(dir, 'b.bin.part')
    await writeFile(path, 'old content')
    await expect(PartFile.open(path, 'exclusive')).rejects.toMatchObject({ code: 'EEXIST' })
    const resumed = await PartFile.open(path, 'resume')
    resumed.markWritten([{ start: 0, end: 3 }])
    expect(resumed.written).toEqual([{ start: 0, end: 3 }])
    await resumed.close()
    expect(await readFile(path, 'utf8')).toBe('old content')
    const fresh = await PartFile.open(path, 'fresh')
    await fresh.close()
    expect(await readFile(path, 'utf8')).toBe('')
  })

  it('refuses writes once closed, so bytes never reach a descriptor reused by another file', async () => {
    const part = await PartFile.open(join(dir, 'c.bin.part'), 'exclusive')
    const stream = part.stream(0)
    await Promise.all([part.close(), part.close()])
    const other = join(dir, 'other.bin')
    await writeFile(other, 'untouched')
    expect(() => {
      stream.write(bytes(200_000, 3))
      stream.flushBuffered()
    }).toThrow(/is closed/)
    await expect(part.sync()).rejects.toThrow(/is closed/)
    expect(await readFile(other, 'utf8')).toBe('untouched')
  })

  it('on a full disk reports DP_ERR_DISK_FULL naming the folder (not a short write), and counts what the OS took', async () => {
    const disk = await mountSmallDisk(join(dir, 'small'), 'size=1m')
    if ('skip' in disk) return console.log(`skipped: ${disk.skip}`)
    try {
      const part = await PartFile.open(join(disk.dir, 'f.bin.part'), 'exclusive')
      const stream = part.stream(0)
      // Nearly every ENOSPC first shows as a short writev: 3 MiB into 1 MiB.
      for (let at = 0; at < 3 * 1024 * 1024; at += 64 * 1024) {
        try {
          stream.write(bytes(64 * 1024, at))
        } catch {
          break
        }
        await part.waitForRoom()
      }
      await expect(part.flush()).rejects.toMatchObject({
        code: 'DP_ERR_DISK_FULL',
        message: `Disk full — free some space on ${disk.dir} and resume`,
      })
      const kept = totalBytes(part.written)
      expect(kept).toBeGreaterThan(0)
      expect(kept).toBeLessThanOrEqual(1024 * 1024)
      // sync() throws the failure again; a stop's syncTaken makes what the OS took durable and
      // returns it (the checkpoint records it), and those bytes are the file's.
      expect(part.failed).toBe(true)
      await expect(part.sync()).rejects.toMatchObject({ code: 'DP_ERR_DISK_FULL' })
      expect(await part.syncTaken()).toEqual([{ start: 0, end: kept }])
      const onDisk = await readFile(part.path)
      expect(onDisk.subarray(0, 64 * 1024)).toEqual(bytes(64 * 1024, 0))
      await part.close()
    } finally {
      disk.unmount()
    }
  })

  it('knows when its path no longer leads to it: deleted, or replaced by another file', async () => {
    const path = join(dir, 'b.bin.part')
    const part = await PartFile.open(path, 'exclusive')
    try {
      expect(part.stillAtPath()).toBe(true)
      await rm(path)
      expect(part.stillAtPath()).toBe(false)
      await writeFile(path, 'another program')
      expect(part.stillAtPath()).toBe(false)
    } finally {
      await part.close()
    }
  })

  it('names the file and the cause when it cannot be opened', async () => {
    await expect(PartFile.open(join(dir, 'missing', 'd.part'), 'fresh')).rejects.toMatchObject({
      code: 'DP_ERR_DISK',
      message: expect.stringMatching(/cannot open .*d\.part/),
    })
  })
})
