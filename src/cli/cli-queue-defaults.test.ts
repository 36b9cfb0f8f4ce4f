import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { useCli } from '../../test/run-cli.ts'
import { QueueStore } from '../engine/storage/queue-store.ts'

// `downpour get` gives every download of a run one rule for a file already at its name
// (ifExistsOf): its queue files store it once (storage/queue-lines.ts, "A queue file's own
// default"), not ~33 bytes in every record (W5's extra queue bytes, docs/benchmarks.md).

const { server, dirs, start } = useCli()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Every line of the state folder's journals, oldest file first. */
async function journalLines(): Promise<string[][]> {
  const names = (await readdir(dirs.state).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.journal'))
    .sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]))
  return Promise.all(
    names.map(async (n) => (await readFile(join(dirs.state, n), 'utf8')).trimEnd().split('\n')),
  )
}

/** Runs `args` until its journals hold `puts` more put lines than before, then Ctrl-C. */
async function interruptedAfter(puts: number, args: string[]): Promise<void> {
  const count = async () =>
    (await journalLines()).flat().filter((line) => line.includes('"put"')).length
  const before = await count()
  const run = start(args)
  for (let i = 0; i < 400 && (await count()) < before + puts; i++) await sleep(25)
  run.child.kill('SIGINT')
  expect((await run.done).code).toBe(130)
}

async function rulesOnDisk(): Promise<string[]> {
  const loaded = await new QueueStore(
    dirs.state,
    { order: () => [], record: () => undefined, settings: () => ({}) },
    () => {},
  ).load()
  expect(loaded.problems).toEqual([])
  return loaded.queue.downloads.map((r) => `${r.name} ${r.ifExists}`)
}

describe("downpour get's queue stores the run's rule for existing files once", () => {
  it("a run, then a rerun with --allow-overwrite: each journal file says its rule in its first line, no record line holds one, and every record reads back with its run's", async () => {
    const names = ['a.bin', 'b.bin', 'c.bin']
    // Slow enough that Ctrl-C comes long before any is complete.
    for (const [i, name] of names.entries())
      server.file(`/${name}`, makeBody(2 * 1024 * 1024, 40 + i), { rateLimit: 128 * 1024 })
    const list = join(dirs.downloads, '..', 'list.txt')
    await writeFile(list, names.map((n) => server.url(`/${n}`)).join('\n'))

    await interruptedAfter(names.length, ['-i', list])
    const [first] = await journalLines()
    expect(first![0]).toBe('{"defaults":{"ifExists":"done-if-same-size"}}')
    const puts = first!.filter((line) => line.includes('"put"'))
    expect(puts.length).toBeGreaterThanOrEqual(names.length)
    for (const line of puts) expect(line).not.toContain('ifExists')
    expect(await rulesOnDisk()).toEqual(names.map((n) => `${n} done-if-same-size`))

    // The rerun asks for another rule: its records are put again, in a file that says it.
    await interruptedAfter(names.length, ['--allow-overwrite', '-i', list])
    const files = await journalLines()
    expect(files).toHaveLength(2)
    expect(files[1]![0]).toBe('{"defaults":{"ifExists":"overwrite"}}')
    for (const line of files[1]!.slice(1)) expect(line).not.toContain('ifExists')
    expect(await rulesOnDisk()).toEqual(names.map((n) => `${n} overwrite`))
  }, 60_000)
})
