import fc from 'fast-check'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readLines } from './line-file.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'downpour-lines-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function linesOf(text: string, chunkBytes?: number) {
  const path = join(dir, 'f')
  await writeFile(path, text)
  const lines: [string, boolean][] = []
  await readLines(path, (line, terminated) => lines.push([line, terminated]), chunkBytes)
  return lines
}

/** What `readLines` promises: the non-empty lines, the last one unterminated when torn. */
function expected(text: string): [string, boolean][] {
  const parts = text.split('\n')
  const tail = parts.pop()!
  const lines: [string, boolean][] = parts.filter((p) => p !== '').map((p) => [p, true])
  if (tail !== '') lines.push([tail, false])
  return lines
}

describe('readLines', () => {
  it('says a file that is not there is not there', async () => {
    expect(await readLines(join(dir, 'missing'), () => {})).toBe(false)
  })

  it('gives every line, and the torn last one as unterminated', async () => {
    expect(await linesOf('a\n\nbé\nc')).toEqual([
      ['a', true],
      ['bé', true],
      ['c', false],
    ])
  })

  it('property: any text, read in any chunk size, gives the lines of the whole text (characters cut by a read included)', async () => {
    const line = fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', '"', '\n'), maxLength: 40 })
    await fc.assert(
      fc.asyncProperty(line, fc.integer({ min: 1, max: 16 }), async (text, chunkBytes) => {
        expect(await linesOf(text, chunkBytes)).toEqual(expected(text))
      }),
      { numRuns: 200 },
    )
  })
})
