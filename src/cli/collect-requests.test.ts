import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { collectRequests } from './collect-requests.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'downpour-collect-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function list(lines: string[]): Promise<string> {
  const path = join(dir, 'list.txt')
  await writeFile(path, lines.join('\n') + '\n')
  return path
}

describe('collectRequests', () => {
  it('has the first piece of a 20,000-line list before the rest is parsed, and reads the rest on demand', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `https://files.example/f${i}.bin`)
    lines.push('not a url', 'https://files.example/f0.bin')
    const path = await list(lines)
    const usage = await collectRequests([], { inputFile: [path], header: [] }, dir, 2000)
    // Only the first piece: the bad and the repeated line at the end are not read yet.
    expect(usage.requests).toHaveLength(2000)
    expect(usage.labels[0]).toBe(`${path}:1`)
    expect(usage.problems).toEqual([])
    expect(usage.merged).toEqual([])
    let total = 0
    for (;;) {
      total += usage.requests.splice(0).length
      usage.labels.splice(0)
      if (!usage.readMore(2000) && usage.requests.length === 0) break
    }
    expect(total).toBe(20_000)
    expect(usage.problems).toEqual([{ input: `${path}:20001`, message: 'not a URL: "not a url"' }])
    expect(usage.merged).toEqual([
      { input: `${path}:20002`, message: 'same URL as line 1; merged' },
    ])
  })

  it('merges a URL given as an argument and again in a list', async () => {
    const path = await list(['https://files.example/a', 'https://files.example/b'])
    const usage = await collectRequests(
      ['https://FILES.example/a'],
      { inputFile: [path], header: [] },
      dir,
      1,
    )
    while (usage.readMore(1));
    expect(usage.requests.map((r) => r.url)).toEqual([
      'https://FILES.example/a',
      'https://files.example/b',
    ])
    expect(usage.merged).toEqual([
      { input: `${path}:1`, message: 'same URL as https://FILES.example/a; merged' },
    ])
  })

  it('reads the whole list for -o, which names exactly one file', async () => {
    const path = await list(Array.from({ length: 3000 }, (_, i) => `https://files.example/${i}`))
    const usage = await collectRequests(
      [],
      { inputFile: [path], header: [], out: 'one.bin' },
      dir,
      2000,
    )
    expect(usage.fatal).toBe('-o/--out needs exactly one URL')
    const single = await list(['https://files.example/only'])
    const ok = await collectRequests(
      [],
      { inputFile: [single], header: [], out: 'one.bin' },
      dir,
      2000,
    )
    expect(ok.fatal).toBeNull()
    expect(ok.requests).toEqual([
      { url: 'https://files.example/only', dir, name: 'one.bin', ifExists: 'done-if-same-size' },
    ])
  })
})
