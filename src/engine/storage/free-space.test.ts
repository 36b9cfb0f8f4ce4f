import { mkdtemp, rm, statfs } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { memoFreeSpace, notEnoughSpace, spaceShortfall, statfsFreeSpace } from './free-space.ts'

const GiB = 1024 ** 3
const TiB = 1024 ** 4

describe('whether a download fits', () => {
  it('counts only what is not yet in its .part', () => {
    expect(spaceShortfall(5 * TiB, 0, 72 * GiB)).toBe(5 * TiB)
    expect(spaceShortfall(100, 40, 60)).toBeNull()
    expect(spaceShortfall(100, 40, 59)).toBe(60)
    expect(spaceShortfall(100, 100, 0)).toBeNull()
    // Unknown size or unknown free space: nothing to say (ENOSPC still pauses it).
    expect(spaceShortfall(null, 0, 0)).toBeNull()
    expect(spaceShortfall(5 * TiB, 0, null)).toBeNull()
  })

  it('refuses exactly when the rest is more than what is free', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 45 }),
        fc.nat({ max: 2 ** 45 }),
        fc.nat({ max: 2 ** 45 }),
        (size, written, free) => {
          const short = spaceShortfall(size, Math.min(written, size), free)
          const rest = size - Math.min(written, size)
          expect(short).toBe(rest > free ? rest : null)
        },
      ),
    )
  })

  it('says what it needs and what is free, in the app’s sizes', () => {
    const error = notEnoughSpace(5 * TiB, 72 * GiB, '/data/iso')
    expect(error.code).toBe('DP_ERR_DISK_FULL')
    expect(error.retryable).toBe(false)
    expect(error.message).toBe(
      'Not enough space: needs 5.0 TiB, 72 GiB free on /data/iso — free some space and resume',
    )
  })
})

describe('statfs free space', () => {
  it('answers for a folder not made yet from its nearest existing parent', async () => {
    const root = await mkdtemp(join(tmpdir(), 'downpour-free-'))
    try {
      const free = await statfsFreeSpace(join(root, 'not', 'yet', 'made'))
      const stats = await statfs(root)
      expect(free).toBeGreaterThan(0)
      // Within what another writer on this machine can change in between: same file system.
      expect(Math.abs(free! - Number(stats.bavail) * Number(stats.bsize))).toBeLessThan(GiB)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})

describe('memoFreeSpace', () => {
  it('asks each folder at most once per interval', async () => {
    const asked: string[] = []
    const free = memoFreeSpace(async (dir) => (asked.push(dir), 1000), 60_000)
    await Promise.all([free('/a'), free('/a'), free('/b'), free('/a')])
    expect(asked).toEqual(['/a', '/b'])
    await free('/a', true)
    expect(asked).toEqual(['/a', '/b', '/a'])
    asked.length = 0
    const again = memoFreeSpace(async (dir) => (asked.push(dir), 1000), 0)
    await again('/c')
    await again('/c')
    expect(asked).toEqual(['/c', '/c'])
  })
})
