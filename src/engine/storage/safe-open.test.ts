import { execFileSync } from 'node:child_process'
import { closeSync } from 'node:fs'
import { link, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openInFolder } from './safe-open.ts'
import { PartFile } from './part-file.ts'
import { writeFileAtomic } from './atomic-file.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'downpour-safe-open-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const VICTIM = 'not yours to write\n'

async function victim(): Promise<string> {
  const path = join(dir, 'victim.txt')
  await writeFile(path, VICTIM)
  return path
}

describe('openInFolder', () => {
  it('refuses a symlink in every mode, naming the file; the target keeps its bytes', async () => {
    const target = await victim()
    const planted = join(dir, 'a.part')
    await symlink(target, planted)
    for (const mode of ['read', 'update', 'create'] as const) {
      await expect(openInFolder(planted, mode)).rejects.toMatchObject({
        code: 'DP_ERR_UNSAFE_PATH',
        message: expect.stringContaining(`${planted} is a symbolic link`),
      })
    }
    // A dangling or live link is a taken name for a claim: the caller picks another name.
    await expect(openInFolder(planted, 'exclusive')).rejects.toMatchObject({ code: 'EEXIST' })
    expect(await readFile(target, 'utf8')).toBe(VICTIM)
  })

  it('refuses a hard link before emptying anything (create never truncates at open)', async () => {
    const target = await victim()
    const planted = join(dir, 'b.part')
    await link(target, planted)
    for (const mode of ['update', 'create'] as const) {
      await expect(openInFolder(planted, mode)).rejects.toMatchObject({
        code: 'DP_ERR_UNSAFE_PATH',
        message: expect.stringContaining(`${planted} has other hard links`),
      })
    }
    expect(await readFile(target, 'utf8')).toBe(VICTIM)
  })

  it('refuses a FIFO without blocking on it', async () => {
    const fifo = join(dir, 'c.part')
    try {
      execFileSync('mkfifo', [fifo])
    } catch {
      console.log('skipped: mkfifo is not available here')
      return
    }
    await expect(openInFolder(fifo, 'create')).rejects.toMatchObject({
      message: expect.stringMatching(/is not a regular file|ENXIO/),
    })
  })

  it('create empties an ordinary file of its own after the checks', async () => {
    const path = join(dir, 'd.part')
    await writeFile(path, 'old bytes')
    closeSync((await openInFolder(path, 'create')).fd)
    expect(await readFile(path, 'utf8')).toBe('')
  })
})

describe('PartFile', () => {
  it('stillAtPath is false once its name is a symlink, even a link to this very file', async () => {
    const path = join(dir, 'e.part')
    const part = await PartFile.open(path, 'fresh')
    try {
      expect(part.stillAtPath()).toBe(true)
      await rename(path, join(dir, 'moved'))
      await symlink(join(dir, 'moved'), path)
      expect(part.stillAtPath()).toBe(false)
    } finally {
      await part.close()
    }
  })
})

describe('writeFileAtomic', () => {
  it('writes through no link planted at a predictable temp name', async () => {
    const target = await victim()
    const path = join(dir, 'f.part.downpour')
    for (let n = 0; n < 16; n++)
      await symlink(target, join(dir, `.f.part.downpour.${process.pid}.${n}.tmp`))
    await writeFileAtomic(path, '{"ok":true}')
    expect(await readFile(path, 'utf8')).toBe('{"ok":true}')
    expect(await readFile(target, 'utf8')).toBe(VICTIM)
  })
})
