import { link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkFolder, countProblems, leftoverKinds } from './soak-check.ts'
import { planFiles, sha256 } from './soak-files.ts'
import { runSoak, type SoakOptions } from './soak-run.ts'
import { roundLine, verdictLine } from './run.ts'

describe('the soak’s folder check', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'downpour-soak-check-'))
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('finds a wrong file, a missing one, a (1) copy, leftovers and anything beside the folder', async () => {
    const dir = join(root, 'dl')
    await mkdir(dir)
    const files = planFiles(4, 5)
    const expected = new Map(files.map((f) => [f.name, f.sha256]))
    const [good, wrong, missing, copied] = files
    await writeFile(join(dir, good!.name), good!.body)
    // One byte changed: the size is right, the content is not.
    const bad = Buffer.from(wrong!.body)
    bad[bad.length - 1]! ^= 1
    await writeFile(join(dir, wrong!.name), bad)
    await writeFile(join(dir, copied!.name), copied!.body)
    const copy = copied!.name.replace(/\.bin$/, ' (1).bin')
    await writeFile(join(dir, copy), copied!.body)
    await writeFile(join(dir, `${missing!.name}.part`), '')
    await writeFile(join(dir, `${missing!.name}.part.downpour`), '{}')
    await writeFile(join(dir, `.${missing!.name}.part.downpour.4242.0.tmp`), '{')
    await writeFile(join(root, 'stray.bin'), 'written beside the folder')

    const problems = await checkFolder(dir, expected, root, ['dl'])
    expect(problems).toEqual({
      wrong: [wrong!.name],
      missing: [missing!.name],
      copies: [copy],
      leftovers: expect.arrayContaining([
        `${missing!.name}.part`,
        `${missing!.name}.part.downpour`,
        `.${missing!.name}.part.downpour.4242.0.tmp`,
      ]),
      unexpected: [join(root, 'stray.bin')],
    })
    expect(countProblems(problems)).toBe(7)
    expect(sha256(good!.body)).toBe(good!.sha256)
  })

  it('tells a .part hard-linked to its final name from an empty orphan .part', async () => {
    const dir = join(root, 'dl')
    await mkdir(dir)
    await writeFile(join(dir, 'a.bin'), 'complete')
    await link(join(dir, 'a.bin'), join(dir, 'a.bin.part'))
    await writeFile(join(dir, 'b.bin.part'), '')
    await writeFile(join(dir, 'c.bin.part'), 'some bytes')
    expect(await leftoverKinds(dir, ['a.bin.part', 'b.bin.part', 'c.bin.part'])).toEqual({
      halfPublished: 1,
      emptyOrphans: 1,
    })
  })
})

describe('npm run soak, short', () => {
  // The CI-sized soak (~30–60 s here): 200 files, 2 rounds of 2 interruptions each, the real CLI.
  it('every file has the server’s bytes after interruptions at random moments; no copy, no leftover', async () => {
    const options: SoakOptions = {
      rounds: 2,
      files: 200,
      seed: 19,
      interruptions: 2,
      minDelayMs: 300,
      maxDelayMs: 2500,
      keep: false,
    }
    const lines: string[] = []
    const results = await runSoak(options, (r) => lines.push(roundLine(r)))
    const verdict = verdictLine(results, options)
    console.log([...lines, verdict].join('\n'))
    expect(
      results.map((r) => r.ok),
      [...lines, verdict].join('\n'),
    ).toEqual([true, true])
    for (const r of results) expect(r.servedBytes).toBeGreaterThanOrEqual(r.totalBytes)
  }, 240_000)
})
