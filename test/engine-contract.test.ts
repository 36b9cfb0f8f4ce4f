import { describe, expect, it } from 'vitest'
import { FakeEngine } from '../src/renderer/src/test/fake-engine.ts'
import { applyBlockMove } from '../src/shared/protocol/block-move.ts'
import { DownpourError } from '../src/shared/protocol/errors.ts'
import {
  REVISIONED_EVENT_NAMES,
  type EngineEvents,
  type RevisionedEventName,
} from '../src/shared/protocol/events.ts'
import type { DownloadSnapshot, DownloadState } from '../src/shared/protocol/model.ts'
import type { EngineClient } from '../src/shared/protocol/rpc.ts'
import { useEngineHarness } from './engine-harness.ts'

/*
 * The renderer's tests drive `FakeEngine` (src/renderer/src/test/fake-engine.ts), a second,
 * in-memory scheduler. This runs one small scenario against it and against the real engine and
 * requires the same transcript from both — what each command answers and what each download
 * goes through in the events, as a client's mirror sees it after each event — so the fake
 * cannot drift from the engine unnoticed.
 */

/** What both engines are driven through: the protocol's client surface. */
type Subject = Pick<
  EngineClient,
  | 'add'
  | 'update'
  | 'pause'
  | 'resume'
  | 'startNow'
  | 'moveMany'
  | 'remove'
  | 'snapshot'
  | 'snapshotHead'
  | 'snapshotPart'
  | 'on'
>

type Seen = { name: RevisionedEventName; payload: EngineEvents[RevisionedEventName] }

/** States only the real engine passes through on the way (the fake starts a download at once). */
const ON_THE_WAY: ReadonlySet<DownloadState> = new Set(['probing'])

/**
 * Runs the scenario on `engine`, with `url(name)` a file the engine can fetch that never ends (a
 * running download stays running until paused). Returns the transcript, downloads named by
 * their file name (the engines' ids differ), after checking the rules of the events themselves.
 */
async function scenario(
  engine: Subject,
  url: (name: string) => string,
): Promise<{ transcript: unknown; namedTwice: string[] }> {
  const seen: Seen[] = []
  for (const name of REVISIONED_EVENT_NAMES)
    engine.on(name, (payload) => seen.push({ name, payload }))
  const start = await engine.snapshot()
  const transcript: Record<string, unknown> = {}
  const names = new Map<string, string>()
  const nameOf = (id: string): string => names.get(id) ?? `unknown ${id}`

  const added = await engine.add(
    ['a.bin', 'b.bin', 'c.bin'].map((name) => ({ url: url(name), paused: true })),
  )
  for (const d of added.added) names.set(d.id, d.name)
  const id = (name: string): string => added.added.find((d) => d.name === name)!.id
  transcript.add = {
    added: added.added.map((d) => ({ name: d.name, state: d.state, done: d.done })),
    rejected: added.rejected,
  }

  const again = await engine.add([{ url: url('a.bin') }, { url: 'ftp://example.com/x.bin' }])
  transcript.addAgain = {
    added: again.added.length,
    rejected: again.rejected.map((r) => ({
      index: r.index,
      code: r.error.code,
      existing: r.existingId === undefined ? null : nameOf(r.existingId),
    })),
  }

  transcript.resume = (await engine.resume({ ids: [id('b.bin'), id('c.bin')] })).affected.map(
    nameOf,
  )
  // Resumed: both queued, then both run (two at once in both engines).
  await waitFor(engine, id('b.bin'), 'downloading')
  await waitFor(engine, id('c.bin'), 'downloading')
  transcript.pauseAll = (await engine.pause({ all: true })).affected.map(nameOf).sort()
  transcript.update = await engine
    .update([
      { id: id('b.bin'), speedLimit: 1000 },
      { id: 'no-such-id', speedLimit: 1 },
    ])
    .then((u) => ({
      updated: u.updated.map((d) => ({ name: d.name, speedLimit: d.speedLimit })),
      rejected: u.rejected.map((r) => ({ index: r.index, code: r.error.code })),
    }))
  // Start now on a paused download: it runs at once; paused again before the move.
  transcript.startNow = (await engine.startNow({ ids: [id('b.bin')] })).affected.map(nameOf)
  await waitFor(engine, id('b.bin'), 'downloading')
  transcript.pauseAgain = (await engine.pause({ ids: [id('b.bin')] })).affected.map(nameOf)
  transcript.move = await engine.moveMany([id('c.bin')], { position: 0 }).then((m) => ({
    ids: m.ids.map(nameOf),
    position: m.position,
  }))
  transcript.remove = (await engine.remove({ ids: [id('a.bin')] })).affected.map(nameOf)
  transcript.unknown = await engine.pause({ ids: ['no-such-id'] }).then(
    () => 'accepted',
    (error: unknown) => (error instanceof DownpourError ? error.code : String(error)),
  )

  const end = await engine.snapshot()
  transcript.final = end.downloads.map((d) => ({ name: d.name, state: d.state }))
  transcript.paged = await pagedSnapshot(engine, nameOf)

  // The events' own rules: revisions one after another from the first snapshot's to the last
  // one's, and the first snapshot with the events applied in order is the last snapshot.
  expect(seen.map((e) => e.payload.revision)).toEqual(
    Array.from({ length: end.revision - start.revision }, (_, i) => start.revision + i + 1),
  )
  expect(mirror(start.downloads, seen)).toEqual(
    end.downloads.map((d) => ({ id: d.id, state: d.state })),
  )

  // What each download went through, as a mirror sees it after each event (a download's last
  // change in the event; repeats and ON_THE_WAY left out). The engine names a download once per
  // event (EventBatch); where an event names one twice, that is noted apart.
  const states = new Map<string, DownloadState[]>()
  const namedTwice: string[] = []
  for (const e of seen) {
    if (e.name !== 'download/changed') continue
    const last = new Map<string, DownloadState>()
    for (const { download } of (e.payload as EngineEvents['download/changed']).changes) {
      // By id: a patch (download-patch.ts) names only what changed, not always the name.
      const name = nameOf(download.id)
      if (last.has(name)) namedTwice.push(name)
      last.set(name, download.state)
    }
    for (const [name, state] of last) {
      if (ON_THE_WAY.has(state)) continue
      const list = states.get(name) ?? []
      if (list.at(-1) !== state) list.push(state)
      states.set(name, list)
    }
  }
  transcript.states = Object.fromEntries([...states].sort(([x], [y]) => x.localeCompare(y)))
  transcript.events = seen
    .map((e) => e.name)
    .filter((name, i, all) => name !== all[i - 1] || name !== 'download/changed')
  return { transcript, namedTwice }
}

/**
 * The snapshot in parts, as the window reads it (`engine-sink.ts`): a head of one, then parts of
 * one until the cursor ends; then a cursor that is no more.
 */
async function pagedSnapshot(
  engine: Subject,
  nameOf: (id: string) => string,
): Promise<{ total: number; names: string[]; endedCursor: string }> {
  const head = await engine.snapshotHead(1)
  const names = head.downloads.map((d) => nameOf(d.id))
  let cursor = head.cursor
  let last = cursor
  while (cursor !== null) {
    last = cursor
    const part = await engine.snapshotPart(cursor, 1)
    names.push(...part.downloads.map((d) => nameOf(d.id)))
    cursor = part.cursor
  }
  const endedCursor = await engine.snapshotPart(last ?? 'none', 1).then(
    () => 'answered',
    (error: unknown) => (error instanceof DownpourError ? error.code : String(error)),
  )
  return { total: head.total, names, endedCursor }
}

/** The queue as a client mirrors it: the first snapshot, then each event in revision order. */
function mirror(
  downloads: DownloadSnapshot[],
  seen: Seen[],
): { id: string; state: DownloadState }[] {
  let order = downloads.map((d) => d.id)
  const state = new Map(downloads.map((d) => [d.id, d.state]))
  for (const { name, payload } of seen) {
    if (name === 'download/added') {
      for (const d of (payload as EngineEvents['download/added']).downloads) {
        order.push(d.id)
        state.set(d.id, d.state)
      }
    } else if (name === 'download/changed') {
      for (const { download } of (payload as EngineEvents['download/changed']).changes)
        state.set(download.id, download.state)
    } else if (name === 'download/removed') {
      const gone = new Set((payload as EngineEvents['download/removed']).ids)
      order = order.filter((id) => !gone.has(id))
    } else if (name === 'download/moved') {
      order = applyBlockMove(order, payload as EngineEvents['download/moved'])
    }
  }
  return order.map((id) => ({ id, state: state.get(id)! }))
}

/** Resolves once download `id` is in `state` (now, or when an event says so). */
function waitFor(engine: Subject, id: string, state: DownloadState): Promise<void> {
  return new Promise((resolve) => {
    const off = engine.on('download/changed', (e) => {
      if (e.changes.some((c) => c.download.id === id && c.download.state === state)) done()
    })
    const done = (): void => {
      off()
      resolve()
    }
    void engine.snapshot().then((s) => {
      if (s.downloads.some((d) => d.id === id && d.state === state)) done()
    })
  })
}

describe('FakeEngine keeps to the engine’s contract', () => {
  // A stall no timeout judges within the scenario: a running download stays running.
  const { server, engine } = useEngineHarness({ engine: { settings: { timeoutMs: 120_000 } } })

  it('add, duplicate and bad URL, resume, pause all, update, Start now, move, remove, unknown id, the snapshot in parts: the same transcript', async () => {
    for (const name of ['a.bin', 'b.bin', 'c.bin'])
      server.file(`/${name}`, Buffer.alloc(4 * 1024 * 1024, 7), {
        fault: () => ({ kind: 'stall', afterBytes: 64 * 1024 }),
      })
    const real = await scenario(engine, (name) => server.url(`/${name}`))
    const fake = await scenario(new FakeEngine(), (name) => `http://127.0.0.1:9/${name}`)
    expect(real.namedTwice).toEqual([])
    expect(fake.transcript).toEqual(real.transcript)
  })

  // The fake once listed a download once per change within a command (a resume that starts it:
  // `queued`, then `downloading`); the engine names it once, as it is at the end of the command,
  // with the state its client last heard of as `previousState`. So does the fake now.
  it('the fake, like the engine, names a download once per download/changed', async () => {
    const fake = await scenario(new FakeEngine(), (name) => `http://127.0.0.1:9/${name}`)
    expect(fake.namedTwice).toEqual([])
  })
})
