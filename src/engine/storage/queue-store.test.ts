import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildRecord } from '../scheduler/build-record.ts'
import type { DownloadRecord } from '../scheduler/download-record.ts'
import { QueueStore, type QueueFile } from './queue-store.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'downpour-queue-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function records(n: number): DownloadRecord[] {
  return Array.from({ length: n }, (_, i) =>
    buildRecord({ url: `https://files.example/f${i}.bin?x="q"` }, dir),
  )
}

function storeOf(queue: QueueFile): QueueStore {
  return new QueueStore(
    join(dir, 'queue.json'),
    () => queue,
    (error) => {
      throw error
    },
  )
}

describe('QueueStore', () => {
  it('writes the whole queue as one JSON document that loads back as it was', async () => {
    const queue: QueueFile = { settings: { maxConcurrentDownloads: 7 }, downloads: records(3) }
    const store = storeOf(queue)
    store.schedule()
    await store.flush()
    const text = await readFile(store.path, 'utf8')
    expect(JSON.parse(text)).toEqual({ version: 1, ...queue })
    expect(await storeOf(queue).load()).toMatchObject({ kind: 'loaded', queue })
  })

  it('saves a changed record with its new fields, and the order as it is now', async () => {
    const queue: QueueFile = { settings: {}, downloads: records(3) }
    const store = storeOf(queue)
    store.schedule()
    await store.flush()

    const [a, b, c] = queue.downloads as [DownloadRecord, DownloadRecord, DownloadRecord]
    b.state = 'completed'
    b.done = 1234
    b.name = 'renamed (1).bin'
    store.changed(b)
    queue.downloads = [c, b] // `a` removed, `c` moved first
    store.schedule()
    await store.flush()

    const saved = JSON.parse(await readFile(store.path, 'utf8'))
    expect(saved.downloads.map((d: DownloadRecord) => d.id)).toEqual([c.id, b.id])
    expect(saved.downloads[1]).toMatchObject({
      state: 'completed',
      done: 1234,
      name: 'renamed (1).bin',
    })
    expect(saved.downloads[0]).toEqual(JSON.parse(JSON.stringify(c)))
    expect(a.id).not.toBe(c.id)
  })

  it('sets a corrupt file aside and reports it', async () => {
    const store = storeOf({ settings: {}, downloads: [] })
    await writeFile(store.path, '{"version":1,"settings":{},"downloads":[{"id":')
    const result = await store.load()
    expect(result.kind).toBe('corrupt')
    if (result.kind !== 'corrupt') return
    expect(result.problem).toMatch(/not valid JSON/)
    expect(await readFile(result.movedTo, 'utf8')).toContain('"downloads"')
  })
})
