import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { makeSnapshot } from '../../../test/make-snapshot.ts'
import { Emitter } from '../emitter.ts'
import { packAdded, unpackAdded } from './added-on-wire.ts'
import { applyBlockMove, planBlockMove, type MoveTarget } from './block-move.ts'
import { DEFAULT_SETTINGS } from './default-settings.ts'
import { EngineMirror, memoryStorage, type MirrorState } from './engine-mirror.ts'
import { DownpourError, ERROR_CODES } from './errors.ts'
import type { EngineEvents, RevisionedEventName } from './events.ts'
import type { DownloadSnapshot, DownloadState, Settings } from './model.ts'

/**
 * The mirror's rules against a reference engine written here the plain way (a Map, the
 * engine's own block-move planner, a revision per change): whatever the engine does and however
 * the transport delivers it (late, twice, or not at all), the mirror ends where the engine is,
 * and it notices every lost event.
 */

const STATES: DownloadState[] = ['queued', 'downloading', 'paused', 'completed', 'failed']

type Command =
  | { kind: 'add'; count: number }
  | { kind: 'change'; picks: number[]; state: DownloadState; patch: boolean }
  | { kind: 'remove'; picks: number[] }
  | { kind: 'move'; picks: number[]; to: 'before' | 'after' | 'position'; at: number }
  | { kind: 'settings'; limit: number }
  | { kind: 'beat'; picks: number[]; done: number }

const picks = fc.array(fc.nat(40), { minLength: 1, maxLength: 5 })
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), count: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    kind: fc.constant('change' as const),
    picks,
    state: fc.constantFrom(...STATES),
    // The download whole, or only what changed (a bulk command's patch: download-patch.ts).
    patch: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('remove' as const), picks }),
  fc.record({
    kind: fc.constant('move' as const),
    picks,
    to: fc.constantFrom('before' as const, 'after' as const, 'position' as const),
    at: fc.nat(40),
  }),
  fc.record({ kind: fc.constant('settings' as const), limit: fc.nat(1000) }),
  fc.record({ kind: fc.constant('beat' as const), picks, done: fc.nat(1 << 20) }),
)

type Emitted = { [K in keyof EngineEvents]: { name: K; payload: EngineEvents[K] } }[
  RevisionedEventName | 'progress/beat']

/** The reference: the engine's state and the events it emits, as plainly as possible. */
class ReferenceEngine {
  downloads = new Map<string, DownloadSnapshot>()
  order: string[] = []
  revision = 0
  settings: Settings = { ...DEFAULT_SETTINGS, defaultDir: '/d' }
  #next = 1
  #seq = 0

  snapshotNow(): EngineEvents['engine/snapshot'] {
    return {
      revision: this.revision,
      downloads: this.order.map((id) => this.downloads.get(id)!),
      settings: this.settings,
    }
  }

  /** Runs a command; the events it emits, in order. */
  run(c: Command): Emitted[] {
    const ids = (list: number[]) => [
      ...new Set(
        list.filter(() => this.order.length > 0).map((i) => this.order[i % this.order.length]!),
      ),
    ]
    switch (c.kind) {
      case 'add': {
        const added = Array.from({ length: c.count }, () => {
          const id = `d${this.#next++}`
          return makeSnapshot({ id, createdAt: this.#next })
        })
        for (const d of added) this.downloads.set(d.id, d)
        this.order.push(...added.map((d) => d.id))
        return [
          { name: 'download/added', payload: { revision: ++this.revision, downloads: added } },
        ]
      }
      case 'change': {
        const changes = ids(c.picks).map((id) => {
          const before = this.downloads.get(id)!
          const download = { ...before, state: c.state, tries: before.tries + 1 }
          this.downloads.set(id, download)
          const sent = c.patch ? { id, state: c.state, tries: download.tries } : download
          return { download: sent, previousState: before.state }
        })
        if (changes.length === 0) return []
        return [{ name: 'download/changed', payload: { revision: ++this.revision, changes } }]
      }
      case 'remove': {
        const gone = ids(c.picks)
        if (gone.length === 0) return []
        for (const id of gone) this.downloads.delete(id)
        this.order = this.order.filter((id) => !gone.includes(id))
        return [{ name: 'download/removed', payload: { revision: ++this.revision, ids: gone } }]
      }
      case 'move': {
        const block = ids(c.picks)
        const others = this.order.filter((id) => !block.includes(id))
        if (block.length === 0) return []
        const anchor = others[c.at % Math.max(others.length, 1)]
        const to: MoveTarget =
          c.to === 'position' || anchor === undefined
            ? { position: c.at }
            : c.to === 'before'
              ? { before: anchor }
              : { after: anchor }
        const { moved, order } = planBlockMove(this.order, block, to)
        if (order === null) return []
        this.order = order
        return [{ name: 'download/moved', payload: { revision: ++this.revision, ...moved } }]
      }
      case 'settings':
        this.settings = { ...this.settings, maxOverallDownloadLimit: c.limit }
        return [
          {
            name: 'settings/changed',
            payload: { revision: ++this.revision, settings: this.settings },
          },
        ]
      case 'beat':
        return [this.beat(ids(c.picks), c.done)]
    }
  }

  /** A heartbeat (it comes even when nothing moves), with figures for `moving`. */
  beat(moving: string[] = [], done = 0): Emitted {
    const items = moving.map((id) => {
      const d = this.downloads.get(id)!
      const next = { ...d, done, size: done * 2, speed: done % 997, eta: 3, connections: 2 }
      this.downloads.set(id, next)
      return { id, done, size: done * 2, speed: done % 997, eta: 3, connections: 2 }
    })
    const seq = ++this.#seq
    return {
      name: 'progress/beat',
      payload: { seq, at: seq, revision: this.revision, speed: 1, active: 1, items },
    }
  }
}

/** A mirror over a transport the test drives; reads answer when the test says. */
function harness(engine: ReferenceEngine) {
  const events = new Emitter<EngineEvents>()
  const reads: { answer: () => void }[] = []
  let asked = 0
  const mirror = new EngineMirror({
    storage: memoryStorage(),
    read: (m) => {
      asked++
      // The engine reads its state when asked; the answer travels back later.
      const snapshot = structuredClone(engine.snapshotNow())
      return new Promise<void>((resolve) =>
        reads.push({
          answer: () => {
            m.reset(snapshot)
            resolve()
          },
        }),
      )
    },
  })
  mirror.follow(events)
  // As a socket carries them: a copy, and a `download/added` packed and put back together.
  const deliver = (e: Emitted) =>
    events.emit(
      e.name,
      (e.name === 'download/added'
        ? unpackAdded(JSON.parse(JSON.stringify(packAdded(e.payload))))
        : structuredClone(e.payload)) as never,
    )
  /** Answers every read asked for so far (and those they ask for), letting promises settle. */
  const answerReads = async () => {
    for (let i = 0; i < 10 && reads.length > 0; i++) {
      for (const read of reads.splice(0)) read.answer()
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  return { mirror, deliver, reads, answerReads, asked: () => asked }
}

/** The figures a beat carries (see `figuresAside`). */
const FIGURES = ['done', 'size', 'speed', 'eta', 'connections', 'lastByteAt'] as const

function expectSame(state: MirrorState, engine: ReferenceEngine, figures = true): void {
  const snapshot = engine.snapshotNow()
  const strip = (d: DownloadSnapshot | undefined) =>
    figures || d === undefined
      ? d
      : Object.fromEntries(Object.entries(d).filter(([k]) => !FIGURES.includes(k as never)))
  expect(state.revision).toBe(snapshot.revision)
  expect(state.order).toEqual(snapshot.downloads.map((d) => d.id))
  expect(state.order.map((id) => strip(state.byId[id]))).toEqual(snapshot.downloads.map(strip))
  expect(Object.keys(state.byId).length).toBe(snapshot.downloads.length)
  expect(state.settings).toEqual(snapshot.settings)
}

describe('EngineMirror', () => {
  it('applying any sequence of events, in order, equals the engine’s state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 40 }), async (commands) => {
        const engine = new ReferenceEngine()
        const h = harness(engine)
        await h.answerReads()
        for (const c of commands) for (const e of engine.run(c)) h.deliver(e)
        expectSame(h.mirror.state, engine)
        expect(h.asked()).toBe(1) // nothing lost, so no resync
      }),
      { numRuns: 200 },
    )
  })

  it('ends at the engine’s state whenever the snapshot’s answer arrives among the events', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { maxLength: 30 }),
        fc.array(command, { maxLength: 30 }),
        fc.nat(30),
        async (before, during, answerAt) => {
          const engine = new ReferenceEngine()
          for (const c of before) engine.run(c) // the engine had a queue before the mirror
          const h = harness(engine)
          during.forEach((c, i) => {
            if (i === answerAt) for (const read of h.reads.splice(0)) read.answer()
            for (const e of engine.run(c)) h.deliver(e)
          })
          await h.answerReads()
          // Beats apply at once and are not kept for after a read: on an ordered link a beat
          // that arrives during one is older than the rows read, and replaying it would move
          // figures backwards. Here the engine read its state when asked, so a beat between
          // the question and the answer is newer: its figures wait for the next beat.
          expectSame(h.mirror.state, engine, false)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('notices every lost event (and only lost ones) and reads its way back', async () => {
    type Fate = 'deliver' | 'drop' | 'twice'
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(command, fc.constantFrom<Fate>('deliver', 'deliver', 'drop', 'twice')), {
          maxLength: 40,
        }),
        async (steps) => {
          const engine = new ReferenceEngine()
          const h = harness(engine)
          await h.answerReads()
          let lost = false
          for (const [c, fate] of steps) {
            for (const e of engine.run(c)) {
              if (fate === 'drop' && e.name !== 'progress/beat') {
                lost = true
                continue
              }
              h.deliver(e)
              if (fate === 'twice') h.deliver(e)
            }
            // While a loss is unnoticed the mirror must not look settled on a wrong state.
            if (h.reads.length === 0 && h.mirror.ready && !lost)
              expect(h.mirror.state.revision).toBe(engine.revision)
            if (h.reads.length > 0) {
              lost = false // noticed: a read is on its way
              await h.answerReads()
            }
          }
          // The engine keeps beating while idle: the last beat tells of a loss at the end.
          h.deliver(engine.beat())
          if (lost) expect(h.reads.length).toBeGreaterThan(0)
          await h.answerReads()
          expectSame(h.mirror.state, engine)
          const drops = steps.some(([, fate]) => fate === 'drop')
          if (!drops) expect(h.asked()).toBe(1)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('asks for one read at a time, however many gaps, and one more if asked meanwhile', async () => {
    const engine = new ReferenceEngine()
    const h = harness(engine)
    await h.answerReads()
    for (let i = 0; i < 5; i++) engine.run({ kind: 'add', count: 1 }) // all lost
    for (let i = 0; i < 3; i++) h.deliver(engine.run({ kind: 'add', count: 1 })[0]!)
    h.deliver(engine.beat())
    expect(h.asked()).toBe(2) // the first read, and one for all the gaps
    await h.answerReads()
    expect(h.asked()).toBe(2)
    expectSame(h.mirror.state, engine)

    h.mirror.resnapshot()
    h.mirror.resnapshot()
    h.mirror.resnapshot()
    expect(h.asked()).toBe(3)
    for (const read of h.reads.splice(0)) read.answer()
    await new Promise((resolve) => setImmediate(resolve))
    expect(h.asked()).toBe(4) // one trailing read for those asked during it
    await h.answerReads()
    expect(h.asked()).toBe(4)
    expectSame(h.mirror.state, engine)
  })

  it('reads again when the engine dropped the cursor, and reports another failure', async () => {
    const engine = new ReferenceEngine()
    engine.run({ kind: 'add', count: 2 })
    let calls = 0
    const mirror = new EngineMirror({
      read: async (m) => {
        if (++calls === 1) throw new DownpourError(ERROR_CODES.notFound, 'no snapshot cursor c1')
        m.reset(engine.snapshotNow())
      },
    })
    mirror.follow(new Emitter<EngineEvents>())
    await mirror.firstRead
    expect(calls).toBe(2)
    expectSame(mirror.state, engine)

    const broken = new EngineMirror({
      read: async () => {
        throw new Error('the link went down')
      },
    })
    broken.follow(new Emitter<EngineEvents>())
    await expect(broken.firstRead).rejects.toThrow('the link went down')
    expect(broken.ready).toBe(false)
  })

  it('moves a block in its own order exactly as the engine planned it', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        fc.nat(40),
        (order, pickList, position) => {
          const block = [...new Set(pickList.map((i) => order[i % order.length]!))]
          const { moved, order: planned } = planBlockMove(order, block, { position })
          expect(applyBlockMove(order, moved)).toEqual(planned ?? order)
        },
      ),
    )
  })

  it('keeps unchanged objects across a resync and takes a dropped field as a change', async () => {
    const engine = new ReferenceEngine()
    engine.run({ kind: 'add', count: 2 })
    const [a, b] = engine.order
    engine.downloads.set(b!, { ...engine.downloads.get(b!)!, fileMissing: true })
    const h = harness(engine)
    await h.answerReads()
    const keptA = h.mirror.state.byId[a!]
    const { fileMissing: _gone, ...found } = engine.downloads.get(b!)!
    engine.downloads.set(b!, found)
    h.mirror.resnapshot()
    await h.answerReads()
    expect(h.mirror.state.byId[a!]).toBe(keptA)
    expect(h.mirror.state.byId[b!]).toEqual(found)
  })

  it('refuses a change it cannot apply — a patch that fails the schema or names a download it does not hold — and reads a snapshot', async () => {
    const engine = new ReferenceEngine()
    engine.run({ kind: 'add', count: 2 })
    const [a] = engine.order
    const h = harness(engine)
    await h.answerReads()
    const kept = h.mirror.state.byId[a!]
    const rejected: string[] = []
    h.mirror.stop()
    const storage = memoryStorage((change) => {
      if (change.name === 'download/changed') rejected.push(...change.rejected)
    })
    const mirror = new EngineMirror({ storage, read: async (m) => m.reset(engine.snapshotNow()) })
    const source = new Emitter<EngineEvents>()
    mirror.follow(source)
    await mirror.firstRead
    const send = (download: unknown) => {
      engine.revision++
      return mirror.receive({
        name: 'download/changed',
        payload: {
          revision: engine.revision,
          changes: [{ download: download as DownloadSnapshot, previousState: 'queued' }],
        },
      })
    }
    const settle = () => new Promise((resolve) => setImmediate(resolve))
    for (const bad of [
      { id: a, state: 'paused', speed: 'fast' },
      { id: a, state: 'paused', lastByteAt: 5 },
      { id: 'nobody', state: 'paused' },
    ]) {
      expect(send(bad)).toBe('gap')
      // Nothing half-applied; the snapshot read after it is the engine's word.
      expect(mirror.state.byId[a!]).toEqual(kept)
      expect(mirror.ready).toBe(false)
      await settle()
      expect(mirror.ready).toBe(true)
      expect(mirror.state.revision).toBe(engine.revision)
    }
    expect(rejected).toEqual([
      `download ${a}: speed: Invalid type: Expected number but received "fast"`,
      `download ${a}: lastByteAt: Invalid key: Expected never but received "lastByteAt"`,
      'download nobody: a change of a download this copy does not hold',
    ])
  })

  it('refuses an added download that fails the schema, applies the others, and reads a snapshot', async () => {
    const engine = new ReferenceEngine()
    const h = harness(engine)
    await h.answerReads()
    h.mirror.stop()
    const rejected: string[] = []
    const storage = memoryStorage((change) => {
      if (change.name === 'download/added') rejected.push(...change.rejected)
    })
    const mirror = new EngineMirror({ storage, read: async (m) => m.reset(engine.snapshotNow()) })
    mirror.follow(new Emitter<EngineEvents>())
    await mirror.firstRead
    const good = makeSnapshot({ id: 'good' })
    // What a packed event put back together gives when a field went missing on the way, or
    // came with the wrong type.
    const { url: _, ...noUrl } = makeSnapshot({ id: 'no-url' })
    const badDone = { ...makeSnapshot({ id: 'bad-done' }), done: '0' }
    const received = mirror.receive({
      name: 'download/added',
      payload: { revision: 1, downloads: [good, noUrl, badDone] as DownloadSnapshot[] },
    })
    expect(received).toBe('gap')
    expect(rejected).toEqual([
      'added download no-url: url: Invalid key: Expected "url" but received undefined',
      'added download bad-done: done: Invalid type: Expected number but received "0"',
    ])
    expect(mirror.ready).toBe(false)
  })

  it('checks nothing the engine in its own process sends (trusted), and everything else', async () => {
    const engine = new ReferenceEngine()
    // Not a download by the schema: a check would refuse it. Straight from an engine in the
    // same process, no check runs (the engine made the object itself).
    const odd = { ...makeSnapshot({ id: 'odd' }), done: '0' } as unknown as DownloadSnapshot
    const outcomes: string[] = []
    for (const trusted of [true, false]) {
      const mirror = new EngineMirror({ trusted, read: async (m) => m.reset(engine.snapshotNow()) })
      mirror.follow(new Emitter<EngineEvents>())
      await mirror.firstRead
      outcomes.push(
        mirror.receive({ name: 'download/added', payload: { revision: 1, downloads: [odd] } }),
      )
      const patch = { id: 'odd', state: 'paused', speed: 'fast' } as unknown as DownloadSnapshot
      if (trusted)
        outcomes.push(
          mirror.receive({
            name: 'download/changed',
            payload: { revision: 2, changes: [{ download: patch, previousState: 'queued' }] },
          }),
        )
      mirror.stop()
    }
    expect(outcomes).toEqual(['applied', 'applied', 'gap'])
  })

  it('writes a patch over the download it holds: the fields it names, nothing else', async () => {
    const engine = new ReferenceEngine()
    engine.run({ kind: 'add', count: 1 })
    const [a] = engine.order
    const h = harness(engine)
    await h.answerReads()
    const before = h.mirror.state.byId[a!]!
    const error = { code: 'DP_ERR_HTTP', message: '404' }
    h.deliver({
      name: 'download/changed',
      payload: {
        revision: ++engine.revision,
        changes: [{ download: { id: a!, state: 'failed', error }, previousState: 'queued' }],
      },
    })
    expect(h.mirror.state.byId[a!]).toEqual({ ...before, state: 'failed', error })
  })
})
