import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fillDisk, mountSmallDisk, type SmallDisk } from '../../../test/small-disk.ts'
import { writeFileAtomic } from './atomic-file.ts'
import { readControlFile, writeControlFile, type ControlData } from './control-file.ts'

const MiB = 1024 * 1024

function control(durableEnd: number, url = 'https://example.test/eight.bin'): ControlData {
  return {
    version: 1,
    id: 'd1',
    url,
    size: 8 * MiB,
    etag: '"abc"',
    lastModified: null,
    durable: durableEnd > 0 ? [{ start: 0, end: durableEnd }] : [],
    savedAt: 1_700_000_000_000,
  }
}

let root: string
let disk: SmallDisk | null = null

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'dp-control-'))
})

afterEach(async () => {
  disk?.unmount()
  disk = null
  await rm(root, { recursive: true, force: true })
})

async function fullDisk(): Promise<SmallDisk | null> {
  const mounted = await mountSmallDisk(join(root, 'small'), 'size=256k')
  if ('skip' in mounted) {
    console.log(`skipped: ${mounted.skip}`)
    return null
  }
  disk = mounted
  return mounted
}

describe('the control file on a full disk', () => {
  it('is rewritten in place when its temp cannot get a block, and reads back the new ranges', async () => {
    const small = await fullDisk()
    if (!small) return
    const path = join(small.dir, 'eight.bin.part.downpour')
    await writeControlFile(path, control(3 * MiB))
    const before = await stat(path)
    await fillDisk(small.dir)
    // The usual way cannot work here: that is the case being handled.
    await expect(writeFileAtomic(path, JSON.stringify(control(6 * MiB)))).rejects.toMatchObject({
      code: 'ENOSPC',
    })

    await writeControlFile(path, control(6_606_336))
    const { data, problem } = await readControlFile(path)
    expect(problem).toBeNull()
    expect(data?.durable).toEqual([{ start: 0, end: 6_606_336 }])
    expect((await stat(path)).ino).toBe(before.ino)
    // No temp left behind, nothing else written.
    expect((await readdir(small.dir)).sort()).toEqual(['eight.bin.part.downpour', 'filler'])
  })

  it('pads a shorter text with spaces: no byte of the old text remains', async () => {
    const small = await fullDisk()
    if (!small) return
    const path = join(small.dir, 'a.part.downpour')
    await writeControlFile(path, control(3 * MiB, `https://example.test/${'x'.repeat(200)}`))
    const oldLength = (await stat(path)).size
    await fillDisk(small.dir)
    await writeControlFile(path, control(4 * MiB))
    const text = await readFile(path, 'utf8')
    expect(text.length).toBe(oldLength)
    expect(text.trimEnd()).toBe(JSON.stringify(control(4 * MiB)))
    expect((await readControlFile(path)).data?.url).toBe('https://example.test/eight.bin')
  })

  it('with no control file yet, the full disk’s error stands (nothing is created)', async () => {
    const small = await fullDisk()
    if (!small) return
    const path = join(small.dir, 'new.part.downpour')
    await fillDisk(small.dir)
    await expect(writeControlFile(path, control(MiB))).rejects.toMatchObject({ code: 'ENOSPC' })
    expect(await readdir(small.dir)).toEqual(['filler'])
  })

  it('never rewrites through a symbolic link planted at its name', async () => {
    const small = await fullDisk()
    if (!small) return
    const victim = join(small.dir, 'victim.txt')
    await writeFile(victim, 'x'.repeat(4000))
    const path = join(small.dir, 'v.part.downpour')
    await symlink(victim, path)
    await fillDisk(small.dir)
    await expect(writeControlFile(path, control(MiB))).rejects.toMatchObject({ code: 'ENOSPC' })
    expect(await readFile(victim, 'utf8')).toBe('x'.repeat(4000))
  })
})

describe('reading a control file', () => {
  it('accepts the trailing spaces an in-place rewrite leaves', async () => {
    const path = join(root, 'p.part.downpour')
    await writeFile(path, JSON.stringify(control(MiB)) + ' '.repeat(300))
    expect((await readControlFile(path)).data?.durable).toEqual([{ start: 0, end: MiB }])
  })

  it('reads a torn file (cut anywhere, or zeros after its first sector) as no durable ranges', async () => {
    const path = join(root, 't.part.downpour')
    const text = JSON.stringify(control(6 * MiB))
    for (let cut = 0; cut < text.length; cut++) {
      await writeFile(path, text.slice(0, cut))
      const { data, problem } = await readControlFile(path)
      expect(data, `cut at ${cut}`).toBeNull()
      if (cut > 0) expect(problem).toMatch(/not valid JSON|unexpected shape/)
    }
    // Power loss after the first 512-byte sector of a longer rewrite: the new text's start,
    // then zeros where the file grew.
    const long = JSON.stringify(control(6 * MiB, `https://example.test/${'y'.repeat(600)}`))
    await writeFile(path, Buffer.concat([Buffer.from(long).subarray(0, 512), Buffer.alloc(300)]))
    expect((await readControlFile(path)).data).toBeNull()
  })
})
