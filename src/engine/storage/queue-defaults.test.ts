import fc from 'fast-check'
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IF_EXISTS, type IfExists } from '../../shared/protocol/model.ts'
import { buildRecord } from '../scheduler/build-record.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import { SNAPSHOT_FILE } from './queue-lines.ts'
import { QueueStore } from './queue-store.ts'

// A queue's own default for `ifExists` (queue-lines.ts, "A queue file's own default"):
// `downpour get` gives every download of a run one rule, and its queue files store it once.

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'downpour-queue-defaults-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

/** A live queue as the scheduler keeps it, and its store with the queue default `ifExists`. */
class Queue {
  records = new Map<string, DownloadRecord>()
  order: string[] = []
  errors: Error[] = []
  store: QueueStore
  readonly dir: string
  constructor(dir: string, ifExists?: IfExists) {
    this.dir = dir
    this.store = new QueueStore(
      dir,
      { order: () => this.order, record: (id) => this.records.get(id), settings: () => ({}) },
      (error) => this.errors.push(error),
      ifExists,
    )
  }

  /** Loads the folder and keeps what it held, as the scheduler does. */
  async load(): Promise<DownloadRecord[]> {
    const loaded = await this.store.load()
    expect(loaded.problems).toEqual([])
    for (const r of loaded.queue.downloads) {
      this.records.set(r.id, r)
      this.order.push(r.id)
    }
    return loaded.queue.downloads
  }

  add(url: string, ifExists: IfExists, createdAt = 1_700_000_000_000): DownloadRecord {
    const record = buildRecord({ url, ifExists }, '/dl', createdAt)
    this.records.set(record.id, record)
    this.order.push(record.id)
    this.store.put(record)
    return record
  }

  /** What every record's rule is, in queue order. */
  rules(): [string, IfExists][] {
    return this.order.map((id) => [id, this.records.get(id)!.ifExists])
  }
}

/** The folder's queue as a new reader (plain default) loads it: [id, rule] in order. */
async function rulesOnDisk(dir: string): Promise<[string, IfExists][]> {
  const loaded = await new QueueStore(
    dir,
    { order: () => [], record: () => undefined, settings: () => ({}) },
    () => {},
  ).load()
  expect(loaded.problems).toEqual([])
  return loaded.queue.downloads.map((r) => [r.id, r.ifExists])
}

async function journalTexts(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.journal')).sort()
  return Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')))
}

const count = (text: string, word: string) => text.split(word).length - 1

describe("a queue's own default for ifExists", () => {
  it('a queue of 1,000 downloads with its default rule journals and snapshots no ifExists per record: the bytes of a queue of plain downloads plus one line a file', async () => {
    const cli = new Queue(join(root, 'cli'), 'done-if-same-size')
    const plain = new Queue(join(root, 'plain'))
    for (const q of [cli, plain]) await mkdir(q.dir)
    await cli.load()
    await plain.load()
    for (let i = 0; i < 1000; i++) {
      cli.add(`https://files.example/f${i}.bin`, 'done-if-same-size')
      plain.add(`https://files.example/f${i}.bin`, 'rename')
    }
    cli.store.writeNow()
    plain.store.writeNow()
    const [journal] = await journalTexts(cli.dir)
    const lines = journal!.trimEnd().split('\n')
    expect(lines[0]).toBe('{"defaults":{"ifExists":"done-if-same-size"}}')
    expect(lines).toHaveLength(1001)
    expect(count(journal!, 'ifExists')).toBe(1)
    // Byte for byte a plain queue's put lines (same lengths: uuids, times, URLs).
    expect(cli.store.written.journal).toBe(plain.store.written.journal + lines[0]!.length + 1)

    await cli.store.compact()
    await plain.store.compact()
    const snapshot = await readFile(join(cli.dir, SNAPSHOT_FILE), 'utf8')
    expect(JSON.parse(snapshot.split('\n')[0]!)).toMatchObject({
      version: 3,
      defaults: { ifExists: 'done-if-same-size' },
    })
    expect(count(snapshot, 'ifExists')).toBe(1)
    expect(cli.store.written.snapshot).toBe(
      plain.store.written.snapshot + ',"defaults":{"ifExists":"done-if-same-size"}'.length,
    )
    await cli.store.close()
    await plain.store.close()
    expect(await rulesOnDisk(cli.dir)).toEqual(cli.rules())
    expect((await rulesOnDisk(cli.dir)).every(([, rule]) => rule === 'done-if-same-size')).toBe(
      true,
    )
  })

  it("a queue whose default is 'rename' (serve, the window) writes files as before: no defaults at all", async () => {
    const q = new Queue(root, 'rename')
    await q.load()
    q.add('https://files.example/a.bin', 'rename')
    q.add('https://files.example/b.bin', 'done-if-same-size')
    await q.store.compact()
    q.add('https://files.example/c.bin', 'continue')
    await q.store.close()
    const texts = [await readFile(join(root, SNAPSHOT_FILE), 'utf8'), ...(await journalTexts(root))]
    expect(texts.join('')).not.toContain('defaults')
    expect(JSON.parse(texts[0]!.split('\n')[0]!)).toEqual({ version: 3, seq: 2, settings: {} })
    expect(count(texts.join(''), '"ifExists"')).toBe(2)
  })

  // Written by main at fcbb215 (before queue defaults): every record other than 'rename' holds
  // its rule; a snapshot of three (compacted), then a journal of three more and a change.
  const MAIN_SNAPSHOT = [
    '{"version":3,"seq":3,"settings":{}}',
    '["a","https://files.example/a.bin","/dl","a.bin","queued",1700000000000,{"ifExists":"done-if-same-size"}]',
    '["b","https://files.example/b.bin","/dl","b.bin","queued",1700000000001]',
    '["c","https://files.example/c.bin","/dl","c.bin","queued",1700000000002,{"ifExists":"continue"}]',
  ]
  const MAIN_JOURNAL = [
    '{"s":4,"put":["d","https://files.example/d.bin","/dl","d.bin","queued",1700000000003,{"ifExists":"done-if-same-size"}]}',
    '{"s":5,"put":["e","https://files.example/e.bin","/dl","e.bin","queued",1700000000004]}',
    '{"s":6,"put":["f","https://files.example/f.bin","/dl","f.bin","queued",1700000000005,{"ifExists":"overwrite"}]}',
    '{"s":7,"put":["e","https://files.example/e.bin","/dl","e.bin","paused",1700000000004]}',
  ]
  const MAIN_RULES: [string, IfExists][] = [
    ['a', 'done-if-same-size'],
    ['b', 'rename'],
    ['c', 'continue'],
    ['d', 'done-if-same-size'],
    ['e', 'rename'],
    ['f', 'overwrite'],
  ]

  it.each(IF_EXISTS)(
    "loads a queue folder main wrote (each record's rule in the record) unchanged, under the default '%s', and after compacting it",
    async (ifExists) => {
      await writeFile(join(root, SNAPSHOT_FILE), MAIN_SNAPSHOT.join('\n') + '\n')
      await writeFile(join(root, 'queue-2.journal'), MAIN_JOURNAL.join('\n') + '\n')
      const q = new Queue(root, ifExists)
      const loaded = await q.load()
      expect(q.rules()).toEqual(MAIN_RULES)
      expect(loaded.find((r) => r.id === 'e')?.state).toBe('paused')
      await q.store.compact()
      await q.store.close()
      expect(await rulesOnDisk(root)).toEqual(MAIN_RULES)
    },
  )

  it('property: a folder used by engines of different defaults (the CLI, serve, `get -c`, `get --allow-overwrite`), each adding, changing rules, compacting or killed: every record loads with its rule', async () => {
    const session = fc.record({
      ifExists: fc.constantFrom(...IF_EXISTS),
      ops: fc.array(
        fc.oneof(
          fc.record({ add: fc.constantFrom(...IF_EXISTS) }),
          fc.record({ change: fc.nat(), to: fc.constantFrom(...IF_EXISTS) }),
          fc.record({ compact: fc.constant(true) }),
        ),
        { maxLength: 8 },
      ),
      // Killed (kill -9) after its last append instead of closing: no flush, no compaction.
      killed: fc.boolean(),
    })
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(session, { minLength: 1, maxLength: 4 }), async (sessions) => {
        const dir = join(root, `run-${run++}`)
        await mkdir(dir)
        let expected: [string, IfExists][] = []
        let n = 0
        for (const s of sessions) {
          const q = new Queue(dir, s.ifExists)
          await q.load()
          expect(q.rules()).toEqual(expected)
          for (const op of s.ops) {
            if ('add' in op) q.add(`https://files.example/${n++}.bin`, op.add)
            else if ('change' in op) {
              if (q.order.length === 0) continue
              const record = q.records.get(q.order[op.change % q.order.length]!)!
              record.ifExists = op.to
              q.store.put(record)
            } else await q.store.compact()
          }
          if (s.killed) q.store.writeNow()
          else await q.store.close()
          expect(q.errors).toEqual([])
          expected = q.rules()
        }
        expect(await rulesOnDisk(dir)).toEqual(expected)
      }),
      { numRuns: 60 },
    )
  })

  it("a torn defaults line (a kill inside a new journal file's first write) is ignored as any torn tail is", async () => {
    const q = new Queue(root, 'done-if-same-size')
    await q.load()
    q.add('https://files.example/a.bin', 'done-if-same-size')
    q.add('https://files.example/b.bin', 'rename')
    await q.store.compact()
    await q.store.close()
    const before = q.rules()
    // The next generation's first write cut short inside its first line.
    await writeFile(join(root, 'queue-9.journal'), '{"defaults":{"ifExists":"con')
    expect(await rulesOnDisk(root)).toEqual(before)
    // Cut short after its first line, inside the first put: the put is the torn tail.
    await writeFile(
      join(root, 'queue-9.journal'),
      '{"defaults":{"ifExists":"continue"}}\n{"s":99,"put":["x","https://files.example/x.bin"',
    )
    expect(await rulesOnDisk(root)).toEqual(before)
    // The same write complete: the put has the file's default.
    await appendFile(join(root, 'queue-9.journal'), ',"/dl","x.bin","queued",1]}\n')
    expect(await rulesOnDisk(root)).toEqual([...before, ['x', 'continue']])
  })

  it("a defaults line after a journal file's first line is damage: the file is set aside from there", async () => {
    const q = new Queue(root)
    await q.load()
    await q.store.close()
    await writeFile(
      join(root, 'queue-1.journal'),
      [
        '{"s":1,"put":["x","https://files.example/x.bin","/dl","x.bin","queued",1]}',
        '{"defaults":{"ifExists":"continue"}}',
        '{"s":2,"put":["y","https://files.example/y.bin","/dl","y.bin","queued",1]}',
      ].join('\n') + '\n',
    )
    const loaded = await new Queue(root).store.load()
    expect(loaded.problems.map((p) => p.problem)).toEqual([
      "line 2: a file's defaults after its first line",
    ])
    expect(loaded.queue.downloads.map((r) => [r.id, r.ifExists])).toEqual([['x', 'rename']])
  })
})
