import { ERROR_CODES } from './errors.ts'
import { REVISIONED_EVENT_NAMES, type EngineEvents } from './events.ts'
import {
  appendPart,
  applyBeat,
  applyEvent,
  emptyMirror,
  resetState,
  type MirrorChange,
  type MirrorState,
  type RevisionedEvent,
} from './mirror-state.ts'
import type { EventSource } from './rpc.ts'

export type { EntryChange, MirrorChange, MirrorState, RevisionedEvent } from './mirror-state.ts'

/**
 * Where a mirror keeps its state: its own field (`memoryStorage`), or a store that holds more
 * (the window's zustand store, which derives its view in the same update). `write` gets the
 * next state and what changed; `next.byId` may be the record `read()` gave, written in place.
 */
export type MirrorStorage = {
  read(): MirrorState
  write(next: MirrorState, change: MirrorChange): void
}

/** The state in a field of its own; `onChange` hears of each step after it is kept. */
export function memoryStorage(
  onChange?: (change: MirrorChange, state: MirrorState) => void,
): MirrorStorage {
  let state = emptyMirror()
  return {
    read: () => state,
    write(next, change) {
      state = next
      onChange?.(change, state)
    },
  }
}

/**
 * Reads a snapshot into the mirror: `reset` with a whole one, or `reset` with the head and
 * `appendPart` with each part of one read in parts. A reader checks `mirror.stopped` after each
 * await. A rejection with `DP_ERR_NOT_FOUND` (the engine dropped the cursor) reads again.
 */
export type SnapshotReader = (mirror: EngineMirror) => Promise<void>

/** The usual reader: one `snapshot()` call. */
export function wholeSnapshot(engine: {
  snapshot(): Promise<EngineEvents['engine/snapshot']>
}): SnapshotReader {
  return async (mirror) => {
    const snapshot = await engine.snapshot()
    if (!mirror.stopped) mirror.reset(snapshot)
  }
}

/** What `receive` did with an event. */
export type Received = 'applied' | 'stale' | 'held' | 'gap'

/**
 * One mirror of the engine's queue, kept from its events: the window's list, the aria2
 * endpoint's view and main's tray all follow the engine through this, so its rules live here
 * once (property-tested in engine-mirror.test.ts):
 *
 * - Revisions: every change event carries the queue's next revision. One at or below the
 *   mirror's is old news (a snapshot read after it already holds it) and is dropped; one that
 *   skips a revision means an event was missed (a remote engine dropped it under load): it is
 *   kept and a snapshot is read, after which the kept events newer than it are applied. A beat
 *   ahead of the mirror's revision says the same.
 * - One read at a time: a resync asked for during a read runs once after it (never more than
 *   one in flight plus one trailing), whatever number of gaps asked.
 * - Block moves: `download/moved` names the block and where it stands (`applyBlockMove`), the
 *   mirror moves its own order.
 *
 * Per event the work is what the window did before this existed (engine-sink.ts): `byId`
 * written in place, `order` copied only when it changes, beats replacing only moved entries.
 */
export class EngineMirror {
  #storage: MirrorStorage
  #read: SnapshotReader
  #ready = false
  #inFlight = false
  #again = false
  #stopped = false
  #buffer: RevisionedEvent[] = []
  #offs: (() => void)[] = []
  #check: boolean
  #first = Promise.withResolvers<void>()
  #firstDone = false
  /** Settles with the first snapshot read: resolves once it is in, rejects if it failed. */
  readonly firstRead: Promise<void> = this.#first.promise

  /**
   * `trusted`: the events come straight from the engine in this process (the aria2 view in
   * `downpour serve`), objects it made itself, so its downloads are not checked against their
   * schemas — 10,000 of them cost serve ~60 ms of its loop during an add (docs/benchmarks.md,
   * "Adding 10,000: the shared fields once"). Anything that crossed a process is checked.
   */
  constructor(options: { read: SnapshotReader; storage?: MirrorStorage; trusted?: boolean }) {
    this.#storage = options.storage ?? memoryStorage()
    this.#read = options.read
    this.#check = options.trusted !== true
    // Whoever awaits it gets its error; nobody else has to.
    this.firstRead.catch(() => {})
  }

  get state(): MirrorState {
    return this.#storage.read()
  }

  /** True between a snapshot read and the next gap: events apply as they come. */
  get ready(): boolean {
    return this.#ready
  }

  get stopped(): boolean {
    return this.#stopped
  }

  /** Follows `source`'s events and reads a first snapshot. Returns `stop`. */
  follow(source: EventSource): () => void {
    this.#offs = REVISIONED_EVENT_NAMES.map((name) =>
      source.on(name, (payload) => this.receive({ name, payload } as RevisionedEvent)),
    )
    this.#offs.push(
      source.on('progress/beat', (beat) => this.beat(beat)),
      source.on('engine/snapshot', (snapshot) => this.offer(snapshot)),
    )
    this.resnapshot()
    return () => this.stop()
  }

  stop(): void {
    this.#stopped = true
    this.#buffer = []
    for (const off of this.#offs.splice(0)) off()
  }

  /** A change event, applied in revision order (see the class comment). */
  receive(event: RevisionedEvent): Received {
    if (!this.#ready) {
      this.#buffer.push(event)
      return 'held'
    }
    const state = this.state
    if (event.payload.revision <= state.revision) return 'stale'
    if (event.payload.revision > state.revision + 1) {
      this.#buffer.push(event)
      this.resnapshot()
      return 'gap'
    }
    const { next, change } = applyEvent(state, event, this.#check)
    this.#storage.write(next, change)
    // An entry it could not apply (see MirrorChange): the snapshot holds what was missed.
    if (
      (change.name === 'download/changed' || change.name === 'download/added') &&
      change.rejected.length > 0
    ) {
      this.resnapshot()
      return 'gap'
    }
    return 'applied'
  }

  /** A heartbeat: its figures at once (even while a snapshot is read); a revision ahead is a gap. */
  beat(beat: EngineEvents['progress/beat']): Received {
    const state = this.state
    const moved = applyBeat(state, beat)
    this.#storage.write(state, { name: 'progress/beat', event: beat, moved })
    if (!this.#ready || beat.revision <= state.revision) return 'applied'
    this.resnapshot()
    return 'gap'
  }

  /** A snapshot the engine sent of itself: taken unless a read is on its way or it is older. */
  offer(snapshot: EngineEvents['engine/snapshot']): void {
    if (this.#inFlight || snapshot.revision < this.state.revision) return
    this.reset(snapshot)
    this.#settled()
  }

  /** For readers: a whole snapshot, or the head of one read in parts. */
  reset(snapshot: Pick<EngineEvents['engine/snapshot'], 'revision' | 'downloads' | 'settings'>) {
    this.#storage.write(resetState(this.state, snapshot), { name: 'engine/snapshot' })
  }

  /** For readers: the next part of a snapshot begun with `reset`. */
  appendPart(downloads: EngineEvents['engine/snapshot']['downloads']): void {
    if (downloads.length === 0) return
    this.#storage.write(appendPart(this.state, downloads), { name: 'snapshot/part', downloads })
  }

  /** Reads a snapshot: now, or once the read on its way is done. */
  resnapshot(): void {
    if (this.#stopped) return
    this.#ready = false
    if (this.#inFlight) {
      this.#again = true
      return
    }
    this.#inFlight = true
    this.#read(this).then(
      () => {
        this.#inFlight = false
        if (this.#stopped) return
        this.#settled()
        if (this.#again) {
          this.#again = false
          this.resnapshot()
        }
      },
      (error: unknown) => {
        this.#inFlight = false
        if ((error as { code?: unknown })?.code === ERROR_CODES.notFound) return this.resnapshot()
        // Any other failure is the link going down: a new one brings a new mirror.
        if (!this.#firstDone) {
          this.#firstDone = true
          this.#first.reject(error)
        }
      },
    )
  }

  /** A snapshot is in: the kept events newer than it apply. */
  #settled(): void {
    this.#ready = true
    if (!this.#firstDone) {
      this.#firstDone = true
      this.#first.resolve()
    }
    const replay = this.#buffer
    this.#buffer = []
    for (const event of replay) this.receive(event)
  }
}
