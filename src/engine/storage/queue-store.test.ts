import {
  appendFile,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  rmdir,
  stat,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { applyBlockMove } from '../../shared/protocol/block-move.ts'
import { buildRecord } from '../scheduler/build-record.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import type { Settings } from '../../shared/protocol/model.ts'
import { SNAPSHOT_FILE, type StateFields } from './queue-lines.ts'
import { QueueStore } from './queue-store.ts'

let dir: string
const errors: Error[] = []
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'downpour-queue-'))
  errors.length = 0
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A live queue as the scheduler keeps it, and the store that persists it. */
class Queue {
  records = new Map<string, DownloadRecord>()
  order: string[] = []
  settings: Partial<Settings> = {}
  store = new QueueStore(
    dir,
    {
      order: () => this.order,
      record: (id) => this.records.get(id),
      settings: () => this.settings,
    },
    (error) => errors.push(error),
  )

  /** `asNew`: as the scheduler adds a download (`QueueStore.added`), not as a changed one. */
  add(n: number, from = 0, asNew = false): DownloadRecord[] {
    const added = Array.from({ length: n }, (_, i) =>
      buildRecord({ url: `https://files.example/f${from + i}.bin?x="q"` }, dir),
    )
    for (const r of added) {
      this.records.set(r.id, r)
      this.order.push(r.id)
      if (asNew) this.store.added(r)
      else this.store.put(r)
    }
    return added
  }

  change(record: DownloadRecord, fields: Partial<DownloadRecord>): void {
    Object.assign(record, fields)
    this.store.put(record)
  }

  remove(record: DownloadRecord): void {
    this.records.delete(record.id)
    this.order = this.order.filter((id) => id !== record.id)
    this.store.remove(record.id)
  }

  /** A command on many downloads: the same fields on each, one journal line. */
  set(records: DownloadRecord[], fields: StateFields): void {
    for (const r of records) Object.assign(r, fields)
    this.store.set(
      records.map((r) => r.id),
      fields,
    )
  }

  move(record: DownloadRecord, position: number): void {
    this.order = this.order.filter((id) => id !== record.id)
    this.order.splice(position, 0, record.id)
    this.store.move(record.id, position)
  }

  /** `moveMany`'s journal line: the block, in queue order, placed at `position` of the rest. */
  moveBlock(records: DownloadRecord[], position: number): void {
    const ids = records.map((r) => r.id)
    this.order = applyBlockMove(this.order, { ids, position })
    this.store.moveBlock(ids, position)
  }

  /** The queue as it should load back: records in order, as JSON sees them. */
  expected(): { settings: Partial<Settings>; downloads: unknown[] } {
    return {
      settings: this.settings,
      downloads: this.order.map((id) => JSON.parse(JSON.stringify(this.records.get(id)))),
    }
  }
}

async function loadFresh() {
  const store = new QueueStore(
    dir,
    { order: () => [], record: () => undefined, settings: () => ({}) },
    (error) => errors.push(error),
  )
  return store.load()
}

async function journals(): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.journal')).sort()
}

describe('QueueStore (snapshot + append-only journal)', () => {
  it('loads back every change: adds, edits, removals, moves and settings, in order', async () => {
    const q = new Queue()
    await q.store.load()
    const [a, b, c, d] = q.add(4) as [
      DownloadRecord,
      DownloadRecord,
      DownloadRecord,
      DownloadRecord,
    ]
    q.store.writeNow()
    q.change(b, { state: 'completed', done: 1234, name: 'renamed (1).bin' })
    q.remove(a)
    q.move(d, 0)
    q.settings = { maxConcurrentDownloads: 7 }
    q.store.settingsChanged()
    await q.store.close()
    const loaded = await loadFresh()
    expect(loaded.problems).toEqual([])
    expect(loaded.queue).toEqual(q.expected())
    expect(loaded.queue.downloads.map((r) => r.id)).toEqual([d.id, b.id, c.id])
    // The Map the scheduler keeps holds the same record objects, and only them.
    expect(loaded.records.size).toBe(3)
    for (const r of loaded.queue.downloads) expect(loaded.records.get(r.id)).toBe(r)
  })

  it('loads back the order a block move left, with no removal to give it away', async () => {
    const q = new Queue()
    await q.store.load()
    const [a, b, c, d] = q.add(4) as [
      DownloadRecord,
      DownloadRecord,
      DownloadRecord,
      DownloadRecord,
    ]
    q.store.writeNow()
    q.moveBlock([c, d], 0)
    await q.store.close()
    const loaded = await loadFresh()
    expect(loaded.queue.downloads.map((r) => r.id)).toEqual([c.id, d.id, a.id, b.id])
  })

  it('lists a download put again after its removal once, at its new place', async () => {
    const q = new Queue()
    await q.store.load()
    const [a, b] = q.add(2) as [DownloadRecord, DownloadRecord]
    q.store.writeNow()
    q.remove(a)
    q.store.writeNow()
    // The same id back (a journal can hold this): it comes after b now, and only once.
    q.records.set(a.id, a)
    q.order.push(a.id)
    q.store.put(a)
    await q.store.close()
    const loaded = await loadFresh()
    expect(loaded.queue.downloads.map((r) => r.id)).toEqual([b.id, a.id])
    expect(loaded.records.size).toBe(2)
  })

  it('writes bytes in proportion to what changed, not to the queue size', async () => {
    const q = new Queue()
    await q.store.load()
    const all = q.add(10_000)
    await q.store.compact()
    const before = { ...q.store.written }
    expect(before.snapshot).toBeGreaterThan(10_000 * 100)
    for (const r of all.slice(0, 10)) q.change(r, { state: 'completed', done: 99 })
    await q.store.flush()
    const journalBytes = q.store.written.journal - before.journal
    // Ten records' lines, not ten thousand.
    expect(journalBytes).toBeLessThan(10 * 1000)
    expect(journalBytes).toBeGreaterThan(10 * 100)
    expect(q.store.written.snapshot).toBe(before.snapshot)
    await q.store.close()
    expect((await loadFresh()).queue).toEqual(q.expected())
  })

  it('compacts once the journal outgrows the snapshot, deleting the journals it folded in', async () => {
    const q = new Queue()
    await q.store.load()
    const all = q.add(2000)
    q.store.writeNow()
    expect(q.store.written.compactions).toBe(0)
    // Rewrite every record several times: the journal passes the snapshot's size.
    for (let round = 0; round < 4; round++) {
      for (const r of all) q.change(r, { tries: round + 1 })
      q.store.writeNow()
    }
    await q.store.flush()
    expect(q.store.written.compactions).toBeGreaterThan(0)
    // Amortized: the snapshots written are at most about what the journal took.
    expect(q.store.written.snapshot).toBeLessThanOrEqual(q.store.written.journal * 1.5)
    await q.store.close()
    expect(await journals()).toHaveLength(1)
    const loaded = await loadFresh()
    expect(loaded.queue).toEqual(q.expected())
  })

  it('writes no snapshot while a long list arrives: its lines are as short as a snapshot', async () => {
    const q = new Queue()
    await q.store.load()
    // 20,000 added in 20 appends, as `downpour get -i` adds a long list (W5): before, the
    // journal's first MiB started a snapshot of the part that had arrived, and the next one
    // when the journal outgrew that (two snapshots, 1–1.5 MB and the whole list).
    for (let part = 0; part < 20; part++) {
      q.add(1000, part * 1000, true)
      q.store.writeNow()
    }
    await q.store.flush()
    const afterAdd = { ...q.store.written }
    expect(afterAdd.journal).toBeGreaterThan(2 * 1024 * 1024)
    expect(afterAdd).toMatchObject({ snapshot: 0, compactions: 0 })
    await q.store.close()
    expect(await journals()).toEqual(['queue-1.journal'])
    expect((await loadFresh()).queue).toEqual(q.expected())

    // Loaded back, the same journal still asks for none (its lines counted as the add's again)…
    const next = new Queue()
    Object.assign(next, { records: q.records, order: q.order })
    await next.store.load()
    expect(next.store.wantsCompaction).toBe(false)
    // …and lines that replace records do, once they outweigh the records a snapshot would
    // write: half the records written again, then all of them.
    const all = [...q.records.values()]
    for (const [tries, changed] of [all.slice(0, all.length / 2), all].entries()) {
      for (const r of changed) next.change(r, { tries: tries + 1 })
      await next.store.flush()
      expect(next.store.written.compactions).toBe(tries)
    }
    await next.store.close()
    expect(await journals()).toEqual([])
    expect((await loadFresh()).queue).toEqual(next.expected())
  })

  it('still compacts a list added and removed again and again: a removal takes back an add', async () => {
    const q = new Queue()
    await q.store.load()
    for (let round = 0; round < 6; round++) {
      const added = q.add(2000, round * 2000, true)
      q.store.writeNow()
      for (const r of added) q.remove(r)
      q.store.writeNow()
    }
    await q.store.flush()
    // Six adds of ~330 KB and their removals, the queue empty: without taking the adds back,
    // the removals' ~100 KB a round never outweighed them and nothing was ever compacted.
    expect(q.store.written.compactions).toBeGreaterThan(0)
    await q.store.close()
    const loaded = await loadFresh()
    expect(loaded.queue.downloads).toEqual([])
  })

  it('counts a removal the same when it reads the journal back', async () => {
    const q = new Queue()
    await q.store.load()
    const round = (queue: Queue, n: number): void => {
      for (const r of queue.add(2000, n * 2000, true)) queue.remove(r)
      queue.store.writeNow()
    }
    round(q, 0)
    round(q, 1)
    await q.store.close()
    const twoRounds = q.store.written.journal
    expect(q.store.written.compactions).toBe(0)
    // A third round passes 1 MiB of lines that a snapshot (of an empty queue) would save.
    expect(twoRounds).toBeLessThan(1024 * 1024)
    expect(twoRounds * 1.5).toBeGreaterThan(1024 * 1024)
    const next = new Queue()
    await next.store.load()
    expect(next.store.wantsCompaction).toBe(false)
    round(next, 2)
    await next.store.flush()
    expect(next.store.written.compactions).toBe(1)
    await next.store.close()
    expect((await loadFresh()).queue.downloads).toEqual([])
  })

  it('journals a state change of many downloads as one line of ids, not their records', async () => {
    const q = new Queue()
    await q.store.load()
    const all = q.add(10_000)
    await q.store.compact()
    const before = q.store.written.journal
    q.set(all, { state: 'paused', nextRetryAt: null })
    await q.store.flush()
    const bytes = q.store.written.journal - before
    // ~40 bytes a download (its id), where a record line is ~600.
    expect(bytes).toBeLessThan(10_000 * 60)
    expect(bytes).toBeGreaterThan(10_000 * 36)
    await q.store.close()
    const loaded = await loadFresh()
    expect(loaded.problems).toEqual([])
    expect(loaded.queue).toEqual(q.expected())
    expect(loaded.queue.downloads.every((r) => r.state === 'paused')).toBe(true)
  })

  it('replays puts and bulk state lines in the order they happened', async () => {
    const q = new Queue()
    await q.store.load()
    const [a, b, c] = q.add(3) as [DownloadRecord, DownloadRecord, DownloadRecord]
    // All within one batch: a's put is pending when the bulk pause comes, and a later change
    // of a (resumed on its own, then progress) must win over the pause on replay.
    q.change(a, { done: 10 })
    q.set([a, b, c], { state: 'paused' })
    q.change(a, { state: 'queued', done: 20 })
    q.set([b], { state: 'queued', failuresInARow: 0, error: null })
    q.remove(c)
    await q.store.close()
    const loaded = await loadFresh()
    expect(loaded.queue).toEqual(q.expected())
    expect(loaded.queue.downloads.map((r) => [r.state, r.done])).toEqual([
      ['queued', 20],
      ['queued', 0],
    ])
    // The same across a compaction that happens between them.
    const next = new Queue()
    const again = await next.store.load()
    for (const r of again.queue.downloads) {
      next.records.set(r.id, r)
      next.order.push(r.id)
    }
    const [na, nb] = [next.records.get(a.id)!, next.records.get(b.id)!]
    next.set([na, nb], { state: 'paused' })
    next.store.writeNow()
    const compaction = next.store.compact()
    next.set([nb], { state: 'queued' })
    next.change(na, { done: 30 })
    await compaction
    await next.store.close()
    expect((await loadFresh()).queue).toEqual(next.expected())
  })

  it('ignores a torn bulk state line and sets aside one naming a field it may not set', async () => {
    const q = new Queue()
    await q.store.load()
    const all = q.add(3)
    q.store.writeNow()
    const expected = q.expected()
    const [journal] = await journals()
    const path = join(dir, journal!)
    const ids = all.map((r) => r.id)
    await appendFile(path, JSON.stringify({ s: 90, set: { state: 'paused' }, ids }).slice(0, 60))
    let loaded = await loadFresh()
    expect(loaded.problems).toEqual([])
    expect(loaded.queue).toEqual(expected)
    // Only state fields may be set in bulk: a URL in a set line is damage, not a change.
    await writeFile(
      path,
      (await readFile(path, 'utf8')).replace(/\{"s":90[^\n]*$/, '') +
        JSON.stringify({ s: 91, set: { url: 'https://elsewhere.example/' }, ids }) +
        '\n',
    )
    loaded = await loadFresh()
    expect(loaded.queue).toEqual(expected)
    expect(loaded.problems[0]!.problem).toMatch(/^line 4: unexpected content/)
  })

  it('sets aside a bulk state line whose ids are not all strings', async () => {
    const q = new Queue()
    await q.store.load()
    const all = q.add(2)
    q.store.writeNow()
    const expected = q.expected()
    const [journal] = await journals()
    const ids = [all[0]!.id, 7]
    await appendFile(
      join(dir, journal!),
      JSON.stringify({ s: 90, set: { state: 'paused' }, ids }) + '\n',
    )
    const loaded = await loadFresh()
    expect(loaded.queue).toEqual(expected)
    expect(loaded.problems[0]!.problem).toMatch(/^line 3: unexpected content/)
  })

  it('ignores a torn last line (a crash during an append) and keeps every line before it', async () => {
    const q = new Queue()
    await q.store.load()
    const [a] = q.add(3) as [DownloadRecord]
    q.store.writeNow()
    const expected = q.expected()
    const [journal] = await journals()
    await appendFile(join(dir, journal!), '{"s":99,"put":{"id":"half-writ')
    const loaded = await loadFresh()
    expect(loaded.problems).toEqual([])
    expect(loaded.queue).toEqual(expected)
    // The next run appends to a new journal file: its lines never follow the torn one.
    const next = new Queue()
    const again = await next.store.load()
    for (const r of again.queue.downloads) {
      next.records.set(r.id, r)
      next.order.push(r.id)
    }
    next.change(next.records.get(a.id)!, { state: 'paused' })
    await next.store.close()
    expect(await journals()).toHaveLength(2)
    expect((await loadFresh()).queue).toEqual(next.expected())
  })

  it('loads the same queue after a crash at any step of a compaction', async () => {
    const q = new Queue()
    await q.store.load()
    const all = q.add(50)
    q.store.writeNow()
    const [oldJournal] = await journals()
    const keptJournal = join(dir, 'kept-journal')
    await copyFile(join(dir, oldJournal!), keptJournal)
    await q.store.compact()
    const keptSnapshot = join(dir, 'kept-snapshot')
    await copyFile(join(dir, SNAPSHOT_FILE), keptSnapshot)
    // Changes after the compaction go to the new journal.
    q.change(all[0]!, { state: 'completed' })
    q.remove(all[1]!)
    q.move(all[2]!, 0)
    q.add(2, 100)
    await q.store.close()
    const expected = q.expected()

    // Crash after the snapshot's rename, before the old journal was deleted: its lines are
    // covered by the snapshot's sequence number and must not be applied twice.
    await copyFile(keptJournal, join(dir, oldJournal!))
    expect((await loadFresh()).queue).toEqual(expected)

    // Crash after the rotation, before the snapshot was renamed: no snapshot at all (it was
    // the first), the old journal and the new one replay everything.
    await rm(join(dir, SNAPSHOT_FILE))
    expect((await loadFresh()).queue).toEqual(expected)

    // A temp snapshot half written when the crash came is deleted on load.
    await writeFile(join(dir, `.${SNAPSHOT_FILE}.4242.0.tmp`), '{"version":2,')
    const loaded = await loadFresh()
    expect(loaded.queue).toEqual(expected)
    expect(loaded.removedTemps).toEqual([`.${SNAPSHOT_FILE}.4242.0.tmp`])
    await rm(keptSnapshot)
    await rm(keptJournal)
  })

  it('sets a corrupt journal aside with the reason, keeping the lines before the damage', async () => {
    const q = new Queue()
    await q.store.load()
    const [a, b] = q.add(2) as [DownloadRecord, DownloadRecord]
    q.store.writeNow()
    const [journal] = await journals()
    const path = join(dir, journal!)
    await appendFile(path, 'garbage in the middle\n')
    await appendFile(path, `{"s":50,"del":"${a.id}"}\n`)
    const loaded = await loadFresh()
    expect(loaded.queue.downloads.map((r) => r.id)).toEqual([a.id, b.id])
    expect(loaded.problems).toHaveLength(1)
    expect(loaded.problems[0]!.problem).toMatch(/line 3: not valid JSON/)
    expect(loaded.problems[0]!.movedTo).toMatch(/queue-1\.journal\.corrupt-/)
    expect(await readFile(loaded.problems[0]!.movedTo, 'utf8')).toContain('garbage in the middle')
    expect(await journals()).toEqual([])
  })

  it('sets a snapshot with a damaged record aside and keeps the records that parse', async () => {
    const q = new Queue()
    await q.store.load()
    q.add(3)
    await q.store.compact()
    await q.store.close()
    const path = join(dir, SNAPSHOT_FILE)
    const lines = (await readFile(path, 'utf8')).split('\n')
    lines[2] = '{"id":"x","state":"exploded"}'
    await writeFile(path, lines.join('\n'))
    const loaded = await loadFresh()
    expect(loaded.queue.downloads).toHaveLength(2)
    expect(loaded.problems[0]!.problem).toMatch(/^line 3: /)
    expect(loaded.problems[0]!.movedTo).toMatch(/queue\.ndjson\.corrupt-/)
  })

  it('reads a version 1 queue.json and replaces it at the first compaction', async () => {
    const records = [buildRecord({ url: 'https://files.example/old.bin' }, dir)]
    await writeFile(
      join(dir, 'queue.json'),
      JSON.stringify({ version: 1, settings: { maxTries: 3 }, downloads: records }),
    )
    const q = new Queue()
    const loaded = await q.store.load()
    expect(loaded.queue).toEqual({ settings: { maxTries: 3 }, downloads: records })
    expect(q.store.wantsCompaction).toBe(true)
    q.settings = loaded.queue.settings
    for (const r of loaded.queue.downloads) {
      q.records.set(r.id, r)
      q.order.push(r.id)
    }
    await q.store.compact()
    await q.store.close()
    expect(await readdir(dir)).not.toContain('queue.json')
    expect((await loadFresh()).queue).toEqual(q.expected())
  })

  it('reads a version 2 snapshot and journal (whole JSON records) and writes compact ones', async () => {
    const [a, b] = [0, 1].map((i) =>
      buildRecord({ url: `https://files.example/v2-${i}.bin` }, dir, 1000 + i),
    )
    const changed = { ...a!, state: 'paused' as const, done: 7, nameChosen: true }
    await writeFile(
      join(dir, SNAPSHOT_FILE),
      [{ version: 2, seq: 2, settings: { maxTries: 3 } }, a, b]
        .map((x) => JSON.stringify(x))
        .join('\n') + '\n',
    )
    await writeFile(join(dir, 'queue-1.journal'), JSON.stringify({ s: 3, put: changed }) + '\n')
    const q = new Queue()
    const loaded = await q.store.load()
    expect(loaded.problems).toEqual([])
    expect(loaded.queue).toEqual({ settings: { maxTries: 3 }, downloads: [changed, b] })
    q.settings = loaded.queue.settings
    for (const r of loaded.queue.downloads) {
      q.records.set(r.id, r)
      q.order.push(r.id)
    }
    await q.store.compact()
    await q.store.close()
    const lines = (await readFile(join(dir, SNAPSHOT_FILE), 'utf8')).trim().split('\n')
    expect(JSON.parse(lines[0]!)).toMatchObject({ version: 3 })
    expect(lines.slice(1).every((line) => line.startsWith('["'))).toBe(true)
    expect((await loadFresh()).queue).toEqual(q.expected())
  })

  it('keeps a failed save pending and retries it without waiting for another change', async () => {
    const q = new Queue()
    await q.store.load()
    // The journal cannot be opened: a folder has its name.
    const blocker = join(dir, 'queue-1.journal')
    await mkdir(blocker)
    q.add(2)
    expect(q.store.writeNow()).toBe(false)
    expect(errors[0]?.message).toMatch(/EISDIR/)
    await rmdir(blocker)
    // No new change: the retry timer alone must write it.
    for (let i = 0; i < 50 && !(await exists(blocker)); i++) await sleep(100)
    expect((await stat(blocker)).isFile()).toBe(true)
    expect((await loadFresh()).queue).toEqual(q.expected())
    await q.store.close()
  })
})

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
