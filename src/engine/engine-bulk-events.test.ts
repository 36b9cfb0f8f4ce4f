import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { useEngineHarness, type TestEngine } from '../../test/engine-harness.ts'
import { EVENT_ROWS, type EngineEvents } from '../shared/protocol/events.ts'
import { isWhole } from '../shared/protocol/download-patch.ts'
import { EngineMirror, wholeSnapshot } from '../shared/protocol/engine-mirror.ts'
import type { DownloadSnapshot } from '../shared/protocol/model.ts'

const { server, open } = useEngineHarness({ engine: false })

const STATE_EVENTS = ['download/added', 'download/changed', 'download/removed'] as const
type StateEvent = (typeof STATE_EVENTS)[number]
type Seen = { [K in StateEvent]: { name: K; payload: EngineEvents[K] } }[StateEvent]

/** Every state event the engine emits while `body` runs, in order. */
async function eventsDuring(engine: TestEngine, body: () => Promise<unknown>): Promise<Seen[]> {
  const seen: Seen[] = []
  const offs = STATE_EVENTS.map((name) =>
    engine.on(name, (payload) => seen.push({ name, payload } as Seen)),
  )
  try {
    await body()
  } finally {
    for (const off of offs) off()
  }
  return seen
}

const urls = (n: number, prefix = 'f') =>
  Array.from({ length: n }, (_, i) => ({ url: server.url(`/${prefix}${i}.bin`) }))

describe('bulk commands travel as one event', () => {
  it('an add of 300 URLs is one download/added with the 300, in the order given', async () => {
    const engine = await open()
    const before = (await engine.snapshot()).revision
    let result: Awaited<ReturnType<TestEngine['add']>> | null = null
    const seen = await eventsDuring(engine, async () => {
      result = await engine.add(urls(300).map((r) => ({ ...r, paused: true })))
    })
    expect(seen.map((e) => e.name)).toEqual(['download/added'])
    const added = seen[0]!.payload as EngineEvents['download/added']
    expect(added.revision).toBe(before + 1)
    expect(added.downloads.map((d) => d.id)).toEqual(result!.added.map((d) => d.id))
    expect((await engine.snapshot()).revision).toBe(before + 1)
  })

  it('a list longer than EVENT_ROWS comes in parts of at most EVENT_ROWS, one revision each', async () => {
    const engine = await open()
    const n = 2 * EVENT_ROWS + 7
    const seen = await eventsDuring(engine, () =>
      engine.add(urls(n).map((r) => ({ ...r, paused: true }))),
    )
    const sizes = seen.map((e) => (e.payload as EngineEvents['download/added']).downloads.length)
    expect(seen.every((e) => e.name === 'download/added')).toBe(true)
    expect(sizes).toEqual([EVENT_ROWS, EVENT_ROWS, 7])
    const revisions = seen.map((e) => e.payload.revision)
    expect(revisions).toEqual([revisions[0], revisions[0]! + 1, revisions[0]! + 2])
  })

  it("an add answered with { answer: 'ids' } names the new downloads and repeats none of them", async () => {
    const engine = await open()
    const n = EVENT_ROWS + 3
    const requests = urls(n).map((r) => ({ ...r, paused: true }))
    requests[5] = requests[4]! // a duplicate: refused, named in `rejected` as before
    let result: Awaited<ReturnType<TestEngine['add']>> | null = null
    const seen = await eventsDuring(engine, async () => {
      result = await engine.add(requests, { answer: 'ids' })
    })
    // The events carry each new download in full; the answer carries only their ids.
    const listed = seen.flatMap((e) => (e.payload as EngineEvents['download/added']).downloads)
    expect(result!.added).toEqual([])
    expect(result!.ids).toEqual(listed.map((d) => d.id))
    expect(result!.ids).toHaveLength(n - 1)
    expect(result!.rejected.map((r) => r.index)).toEqual([5])
    expect(listed.map((d) => d.url)).toEqual(requests.filter((_, i) => i !== 5).map((r) => r.url))
    expect(JSON.stringify(result).includes(requests[0]!.url)).toBe(false)
    // Without the option the answer is as it always was: the downloads in full, no ids.
    const full = await engine.add(urls(2, 'g').map((r) => ({ ...r, paused: true })))
    expect(full.ids).toBeUndefined()
    expect(full.added.map((d) => d.url)).toEqual([server.url('/g0.bin'), server.url('/g1.bin')])
  })

  it("an add answered with { answer: 'refusals' } holds only what was refused", async () => {
    const engine = await open()
    const requests = urls(EVENT_ROWS + 3).map((r) => ({ ...r, paused: true }))
    requests[7] = requests[2]! // a duplicate: refused
    let result: Awaited<ReturnType<TestEngine['add']>> | null = null
    const seen = await eventsDuring(engine, async () => {
      result = await engine.add(requests, { answer: 'refusals' })
    })
    const listed = seen.flatMap((e) => (e.payload as EngineEvents['download/added']).downloads)
    expect(listed).toHaveLength(EVENT_ROWS + 2)
    expect(result).toEqual({
      added: [],
      rejected: [expect.objectContaining({ index: 7, url: requests[7]!.url })],
    })
  })

  it('the first downloads of a long list start before the list is all added', async () => {
    server.file('/slow.bin', makeBody(256 * 1024, 3), { rateLimit: 64 * 1024 })
    const engine = await open({ settings: { maxConcurrentDownloads: 2 } })
    const order: string[] = []
    const offAdded = engine.on('download/added', (e) => order.push(`added ${e.downloads.length}`))
    const offChanged = engine.on('download/changed', (e) => {
      if (e.changes.some((c) => c.download.state === 'probing')) order.push('started')
    })
    await engine.add([
      { url: server.url('/slow.bin') },
      ...urls(2 * EVENT_ROWS, 'never').map((r) => ({ ...r, paused: true })),
    ])
    offAdded()
    offChanged()
    expect(order.slice(0, 3)).toEqual([`added ${EVENT_ROWS}`, 'started', `added ${EVENT_ROWS}`])
  })

  it('pause, resume and remove of many running and queued downloads are one event each', async () => {
    for (let i = 0; i < 40; i++)
      server.file(`/r${i}.bin`, makeBody(512 * 1024, i), { rateLimit: 32 * 1024 })
    const engine = await open({ settings: { maxConcurrentDownloads: 4 } })
    const { added } = await engine.add(urls(40, 'r'))
    const ids = added.map((d) => d.id)
    // Some running: their stops are awaited inside the pause, still one event.
    await engine.waitFor(ids[0]!, ['downloading'])

    const paused = await eventsDuring(engine, () => engine.pause({ all: true }))
    expect(paused.map((e) => e.name)).toEqual(['download/changed'])
    const changes = (paused[0]!.payload as EngineEvents['download/changed']).changes
    expect(changes.map((c) => c.download.id).sort()).toEqual([...ids].sort())
    expect(changes.every((c) => c.download.state === 'paused')).toBe(true)
    expect(changes.find((c) => c.download.id === ids[0])!.previousState).toBe('downloading')

    const resumed = await eventsDuring(engine, () => engine.resume({ all: true }))
    expect(resumed.map((e) => e.name)).toEqual(['download/changed'])
    const back = (resumed[0]!.payload as EngineEvents['download/changed']).changes
    expect(back).toHaveLength(40)
    expect(back.every((c) => c.previousState === 'paused')).toBe(true)

    await engine.waitFor(ids[0]!, ['downloading'])
    const removed = await eventsDuring(engine, () => engine.remove({ all: true }))
    expect(removed.map((e) => e.name)).toEqual(['download/removed'])
    expect((removed[0]!.payload as EngineEvents['download/removed']).ids.sort()).toEqual(
      [...ids].sort(),
    )
    expect((await engine.snapshot()).downloads).toEqual([])
  })

  it('a pause or resume of downloads not running sends each as a patch of what changed; a mirror of the events ends where the engine is', async () => {
    for (let i = 0; i < 30; i++)
      server.file(`/p${i}.bin`, makeBody(512 * 1024, i), { rateLimit: 32 * 1024 })
    const engine = await open({ settings: { maxConcurrentDownloads: 2 } })
    const mirror = new EngineMirror({ read: wholeSnapshot(engine) })
    mirror.follow(engine)
    await mirror.firstRead
    const { added } = await engine.add(urls(30, 'p'))
    const ids = added.map((d) => d.id)
    await engine.waitFor(ids[0]!, ['downloading'])

    const changesOf = (seen: Seen[]) =>
      seen.flatMap((e) =>
        e.name === 'download/changed'
          ? (e.payload as EngineEvents['download/changed']).changes
          : [],
      )
    const paused = changesOf(await eventsDuring(engine, () => engine.pause({ all: true })))
    expect(paused).toHaveLength(30)
    // The two running stop through their transfers (whole); the waiting ones changed their
    // state alone (their next retry was already none, so it is not named).
    const patches = paused.filter((c) => !isWhole(c.download))
    expect(patches.length).toBeGreaterThanOrEqual(28)
    for (const c of patches) expect(Object.keys(c.download).sort()).toEqual(['id', 'state'])
    for (const c of patches) expect(JSON.stringify(c).length).toBeLessThanOrEqual(110)
    expect(paused.every((c) => c.download.state === 'paused')).toBe(true)

    const resumed = changesOf(await eventsDuring(engine, () => engine.resume({ all: true })))
    expect(resumed).toHaveLength(30)
    expect(resumed.filter((c) => !isWhole(c.download)).length).toBeGreaterThanOrEqual(28)

    await engine.pause({ all: true })
    const now = await engine.snapshot()
    const shown = (d: DownloadSnapshot) => [d.id, d.name, d.url, d.state, d.error, d.nextRetryAt]
    expect(mirror.state.revision).toBe(now.revision)
    expect(mirror.state.order.map((id) => shown(mirror.state.byId[id]!))).toEqual(
      now.downloads.map(shown),
    )
    mirror.stop()
  })

  it('a move while a pause is still stopping goes out after what the pause gathered so far', async () => {
    server.file('/s.bin', makeBody(1024 * 1024, 5), { rateLimit: 32 * 1024 })
    const engine = await open({ settings: { maxConcurrentDownloads: 1 } })
    const { added } = await engine.add([{ url: server.url('/s.bin') }, ...urls(2, 'q')])
    const ids = added.map((d) => d.id)
    await engine.waitFor(ids[0]!, ['downloading'])
    const seen: string[] = []
    const offs = [
      engine.on('download/changed', (e) =>
        seen.push(`changed ${e.revision} ${e.changes.map((c) => ids.indexOf(c.download.id))}`),
      ),
      engine.on('download/moved', (e) => seen.push(`moved ${e.revision}`)),
    ]
    // The queued one is paused at once, the running one once its transfer stopped; the move
    // in between must not overtake the change already made (its client would see a revision
    // gap, or a download paused late).
    const pause = engine.pause({ ids: [ids[0]!, ids[1]!] })
    const move = engine.moveMany([ids[1]!], { position: 2 })
    await Promise.all([pause, move])
    for (const off of offs) off()
    const r = Number(seen[0]!.split(' ')[1])
    expect(seen.slice(0, 2)).toEqual([`changed ${r} 1`, `moved ${r + 1}`])
    // The running one paused (and the third, started in its slot, in the same event).
    expect(seen[2]).toMatch(new RegExp(`^changed ${r + 2} 0(,2)?$`))
  })
})
