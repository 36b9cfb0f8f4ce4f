import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChecksumAlgorithm } from '../../shared/protocol/model.ts'
import { hashFile, parseChecksumSpec } from './hash-file.ts'

const LENGTHS: Record<ChecksumAlgorithm, number> = { 'sha-256': 64, 'sha-1': 40, md5: 32 }
const hex = (length: number, char = 'a') => char.repeat(length)

describe('parseChecksumSpec', () => {
  it.each([
    [`sha-256=${hex(64)}`, 'sha-256', hex(64)],
    [`sha256=${hex(64)}`, 'sha-256', hex(64)],
    [`SHA-256=${hex(64, 'F')}`, 'sha-256', hex(64, 'f')],
    [`sha-1=${hex(40, '0')}`, 'sha-1', hex(40, '0')],
    [`SHA1=${hex(40, 'B')}`, 'sha-1', hex(40, 'b')],
    [`md5=${hex(32, '9')}`, 'md5', hex(32, '9')],
    [`  MD5 = ${hex(32, 'C')}  `, 'md5', hex(32, 'c')],
  ])('%s', (spec, algorithm, expectedHex) => {
    expect(parseChecksumSpec(spec)).toEqual({ algorithm, hex: expectedHex })
  })

  it.each([
    ['sha-256 with a sha-1 length', `sha-256=${hex(40)}`],
    ['sha-256 one digit short', `sha-256=${hex(63)}`],
    ['sha-256 one digit long', `sha-256=${hex(65)}`],
    ['sha-1 with an md5 length', `sha-1=${hex(32)}`],
    ['md5 with a sha-256 length', `md5=${hex(64)}`],
    ['not hex', `md5=${hex(32, 'g')}`],
    ['unknown algorithm', `sha-512=${hex(128)}`],
    ['no algorithm', hex(64)],
    ['empty value', 'sha-256='],
    ['colon instead of =', `sha-256:${hex(64)}`],
    ['trailing junk', `md5=${hex(32)} x`],
    ['empty', ''],
  ])('rejects %s', (_label, spec) => {
    expect(parseChecksumSpec(spec)).toBeNull()
  })

  it('property: accepts exactly the right length of hex for each algorithm', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<[string, ChecksumAlgorithm]>(
          ['sha-256', 'sha-256'],
          ['sha256', 'sha-256'],
          ['sha-1', 'sha-1'],
          ['sha1', 'sha-1'],
          ['md5', 'md5'],
        ),
        fc.string({
          unit: fc.constantFrom(...'0123456789abcdefABCDEF'),
          minLength: 1,
          maxLength: 70,
        }),
        ([name, algorithm], digits) => {
          const parsed = parseChecksumSpec(`${name}=${digits}`)
          if (digits.length === LENGTHS[algorithm])
            expect(parsed).toEqual({ algorithm, hex: digits.toLowerCase() })
          else expect(parsed).toBeNull()
        },
      ),
    )
  })
})

describe('hashFile', () => {
  let dir: string
  let small: string
  let large: string
  let empty: string
  const smallData = Buffer.from('Downpour checksum test\n')
  // Larger than the 1 MiB read block, and not a multiple of it.
  const largeData = Buffer.alloc(1024 * 1024 * 2 + 12_345)

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'downpour-hash-'))
    for (let i = 0; i < largeData.length; i++) largeData[i] = (i * 31 + (i >> 11)) & 0xff
    small = join(dir, 'small.txt')
    large = join(dir, 'large.bin')
    empty = join(dir, 'empty')
    await writeFile(small, smallData)
    await writeFile(large, largeData)
    await writeFile(empty, '')
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const node = { 'sha-256': 'sha256', 'sha-1': 'sha1', md5: 'md5' } as const
  const expected = (algorithm: ChecksumAlgorithm, data: Buffer) =>
    createHash(node[algorithm]).update(data).digest('hex')

  it.each(['sha-256', 'sha-1', 'md5'] as const)('%s matches node:crypto', async (algorithm) => {
    expect(await hashFile(small, algorithm)).toBe(expected(algorithm, smallData))
    expect(await hashFile(empty, algorithm)).toBe(expected(algorithm, Buffer.alloc(0)))
    const digest = await hashFile(large, algorithm)
    expect(digest).toBe(expected(algorithm, largeData))
    expect(digest).toHaveLength(LENGTHS[algorithm])
    // What hashFile returns is what parseChecksumSpec accepts for comparison.
    expect(parseChecksumSpec(`${algorithm}=${digest}`)).toEqual({ algorithm, hex: digest })
  })

  it('reports progress up to the file size', async () => {
    const seen: number[] = []
    await hashFile(large, 'md5', { onProgress: (bytes) => seen.push(bytes) })
    expect(seen.length).toBeGreaterThanOrEqual(3)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
    expect(seen.at(-1)).toBe(largeData.length)
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(hashFile(large, 'sha-256', { signal: controller.signal })).rejects.toThrow()
  })

  it('fails for a missing file', async () => {
    await expect(hashFile(join(dir, 'missing'), 'md5')).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
