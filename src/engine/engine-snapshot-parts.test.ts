import { describe, expect, it } from 'vitest'
import { useEngineHarness } from '../../test/engine-harness.ts'
import { applyBlockMove } from '../shared/protocol/block-move.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'
import { applyDescription } from '../shared/protocol/download-patch.ts'
import { MAX_SNAPSHOT_CURSORS } from './scheduler/snapshot-cursors.ts'

// Nothing here is fetched: paused downloads of a closed port keep the engine still.
const { engine } = useEngineHarness({ server: false, engine: { state: null } })

async function addPaused(n: number, from = 0): Promise<string[]> {
  const requests = Array.from({ length: n }, (_, i) => ({
    url: `http://127.0.0.1:9/file-${from + i}`,
    paused: true,
  }))
  return (await engine.add(requests)).added.map((d) => d.id)
}

/** Reads a whole snapshot in parts of `count`, running `between(partIndex)` before each part. */
async function readInParts(
  first: number,
  count: number,
  between: (part: number) => Promise<void> = async () => {},
) {
  const head = await engine.snapshotHead(first)
  const downloads = [...head.downloads]
  let cursor = head.cursor
  let parts = 0
  while (cursor !== null) {
    await between(parts)
    const part = await engine.snapshotPart(cursor, count)
    downloads.push(...part.downloads)
    cursor = part.cursor
    parts++
  }
  return { head, downloads, parts }
}

describe('snapshot in parts', () => {
  it('gives the first rows in queue order with the totals, then the rest, as one snapshot would', async () => {
    await addPaused(25)
    await engine.move((await engine.snapshot()).downloads[20]!.id, 0)
    const whole = await engine.snapshot()
    const { head, downloads, parts } = await readInParts(5, 7)
    expect(head.total).toBe(25)
    expect(head.revision).toBe(whole.revision)
    expect(head.settings).toEqual(whole.settings)
    expect(head.downloads.map((d) => d.id)).toEqual(whole.downloads.slice(0, 5).map((d) => d.id))
    expect(parts).toBe(3)
    expect(downloads).toEqual(whole.downloads)
  })

  it('answers a short queue whole, with no cursor to keep', async () => {
    await addPaused(3)
    const head = await engine.snapshotHead(10)
    expect(head.downloads).toHaveLength(3)
    expect(head.total).toBe(3)
    expect(head.cursor).toBeNull()
  })

  it('ends at the engine state when the events after the head are applied after the last part', async () => {
    const ids = await addPaused(30)
    const events: { name: string; payload: { revision: number } }[] = []
    const names = [
      'download/added',
      'download/changed',
      'download/removed',
      'download/moved',
    ] as const
    const offs = names.map((name) => engine.on(name, (payload) => events.push({ name, payload })))
    // Between parts: a removal of a row not read yet, a change of one not read yet and of one
    // already read, a move, and an add.
    const { head, downloads } = await readInParts(10, 8, async (part) => {
      if (part === 0) {
        await engine.remove({ ids: [ids[25]!] })
        await engine.update([{ id: ids[27]!, name: 'renamed.bin' }])
      }
      if (part === 1) {
        await engine.update([{ id: ids[2]!, name: 'early.bin' }])
        await engine.move(ids[29]!, 0)
        await addPaused(2, 100)
      }
    })
    for (const off of offs) off()
    expect(downloads.map((d) => d.id)).not.toContain(ids[25])
    expect(downloads.find((d) => d.id === ids[27])!.name).toBe('renamed.bin')

    // Replay what a window kept while reading: every event newer than the head, in order.
    const byId = new Map(downloads.map((d) => [d.id, d]))
    let order = downloads.map((d) => d.id)
    for (const { name, payload } of events) {
      if (payload.revision <= head.revision) continue
      if (name === 'download/removed') {
        const { ids } = payload as EngineEvents['download/removed']
        for (const id of ids) byId.delete(id)
        order = order.filter((x) => !ids.includes(x))
      } else if (name === 'download/moved') {
        order = applyBlockMove(order, payload as EngineEvents['download/moved'])
      } else {
        const downloads =
          name === 'download/added'
            ? (payload as EngineEvents['download/added']).downloads
            : (payload as EngineEvents['download/changed']).changes.map((c) => c.download)
        for (const download of downloads) {
          if (!byId.has(download.id)) order.push(download.id)
          byId.set(download.id, applyDescription(byId.get(download.id)!, download))
        }
      }
    }
    const now = await engine.snapshot()
    expect(order).toEqual(now.downloads.map((d) => d.id))
    expect(order.map((id) => byId.get(id))).toEqual(now.downloads)
  })

  it('refuses a finished cursor and keeps only the newest cursors', async () => {
    await addPaused(4)
    const done = await engine.snapshotHead(2)
    expect((await engine.snapshotPart(done.cursor!, 10)).cursor).toBeNull()
    await expect(engine.snapshotPart(done.cursor!, 10)).rejects.toMatchObject({
      code: 'DP_ERR_NOT_FOUND',
    })
    const heads = []
    for (let i = 0; i <= MAX_SNAPSHOT_CURSORS; i++) heads.push(await engine.snapshotHead(1))
    await expect(engine.snapshotPart(heads[0]!.cursor!, 1)).rejects.toMatchObject({
      code: 'DP_ERR_NOT_FOUND',
      message: expect.stringMatching(/snapshotHead/),
    })
    const newest = await engine.snapshotPart(heads.at(-1)!.cursor!, 10)
    expect(newest.downloads).toHaveLength(3)
  })
})
