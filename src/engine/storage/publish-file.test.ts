import { link, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { finishPublishing, placeFinishedFile } from './publish-file.ts'
import { PartFile } from './part-file.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'downpour-publish-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('placeFinishedFile', () => {
  it('gives the part its final name and drops the .part name', async () => {
    const part = join(dir, 'f.bin.part')
    await writeFile(part, 'complete bytes')
    const leftovers: Error[] = []
    expect(await placeFinishedFile(part, join(dir, 'f.bin'), (e) => leftovers.push(e))).toBe(
      'placed',
    )
    expect(await readFile(join(dir, 'f.bin'), 'utf8')).toBe('complete bytes')
    expect(existsSync(part)).toBe(false)
    expect(leftovers).toEqual([])
  })

  it('never replaces a file that has the final name: says so, and touches neither file', async () => {
    const part = join(dir, 'f.bin.part')
    await writeFile(part, 'complete bytes')
    await writeFile(join(dir, 'f.bin'), 'somebody else’s file')
    expect(await placeFinishedFile(part, join(dir, 'f.bin'), () => {})).toBe('exists')
    expect(await readFile(join(dir, 'f.bin'), 'utf8')).toBe('somebody else’s file')
    expect(await readFile(part, 'utf8')).toBe('complete bytes')
  })

  it('throws (after trying again) when the part cannot be renamed, leaving it whole', async () => {
    const part = join(dir, 'missing.part')
    await expect(placeFinishedFile(part, join(dir, 'f.bin'), () => {})).rejects.toMatchObject({
      code: 'ENOENT',
    })
    expect(existsSync(join(dir, 'f.bin'))).toBe(false)
  })
})

describe('a publish cut between its link and its unlink', () => {
  it('finishPublishing drops the .part name of the published file and returns its size', async () => {
    const part = join(dir, 'f.bin.part')
    await writeFile(part, 'complete bytes')
    await link(part, join(dir, 'f.bin'))
    expect(await finishPublishing(part, join(dir, 'f.bin'))).toBe(14)
    expect(existsSync(part)).toBe(false)
    expect(await readFile(join(dir, 'f.bin'), 'utf8')).toBe('complete bytes')
  })

  it('finishPublishing leaves two different files alone', async () => {
    const part = join(dir, 'f.bin.part')
    await writeFile(part, 'partial')
    await writeFile(join(dir, 'f.bin'), 'someone else')
    expect(await finishPublishing(part, join(dir, 'f.bin'))).toBeNull()
    expect(await finishPublishing(join(dir, 'none.part'), join(dir, 'none'))).toBeNull()
    expect(await readFile(part, 'utf8')).toBe('partial')
  })

  it("opening such a .part 'fresh' starts a new file: the published one keeps its bytes", async () => {
    const part = join(dir, 'f.bin.part')
    await writeFile(part, 'complete bytes')
    await link(part, join(dir, 'f.bin'))
    const fresh = await PartFile.open(part, 'fresh')
    await fresh.close()
    expect(await readFile(join(dir, 'f.bin'), 'utf8')).toBe('complete bytes')
    expect(await readFile(part, 'utf8')).toBe('')
  })
})
