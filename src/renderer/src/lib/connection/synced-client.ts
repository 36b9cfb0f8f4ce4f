import { Emitter } from '../../../../shared/emitter.ts'
import type { EngineEventName, EngineEvents } from '../../../../shared/protocol/events.ts'
import { ENGINE_EVENT_NAMES, type EngineClient } from '../../../../shared/protocol/rpc.ts'

type Snapshot = EngineEvents['engine/snapshot']

/**
 * Wraps a fresh protocol client so that its listeners never work from stale state. It takes a
 * snapshot as soon as it is created (every connection and reconnection) and again whenever a
 * `revision` shows a missed event: a state event must be exactly one past the last revision,
 * and a progress beat (which carries the engine's current revision) must not be ahead of it.
 * Each snapshot reaches listeners as an `engine/snapshot` event; events that raced with it and
 * are already part of it (revision ≤ the snapshot's) are not delivered again.
 */
export function createSyncedClient(raw: EngineClient): EngineClient {
  const events = new Emitter<EngineEvents>()
  let revision: number | null = null
  let syncing: Promise<void> | null = null
  let disposed = false

  const applySnapshot = (snapshot: Snapshot): void => {
    if (revision !== null && snapshot.revision < revision) return
    revision = snapshot.revision
    events.emit('engine/snapshot', snapshot)
  }
  // One snapshot call in flight at most: with 10,000 downloads a snapshot is ~4 MB, and the
  // sink asking for one while this client's own first one is on its way doubled the load time
  // (bench:ui). A caller that joins gets the in-flight answer; events after it are replayed.
  let inFlight: Promise<Snapshot> | null = null
  const fetchSnapshot = (): Promise<Snapshot> => {
    inFlight ??= raw.snapshot().finally(() => (inFlight = null))
    return inFlight
  }
  const resync = (): void => {
    if (syncing || disposed) return
    syncing = fetchSnapshot()
      .then(applySnapshot, () => {
        // The connection went away; the shell hands out a new client for the next one.
      })
      .finally(() => (syncing = null))
  }

  const offs = ENGINE_EVENT_NAMES.map((name) =>
    raw.on(name, (payload) => {
      if (name === 'engine/snapshot') return applySnapshot(payload as Snapshot)
      const at = (payload as { revision?: unknown }).revision
      if (typeof at !== 'number') return events.emit(name, payload as never)
      if (name === 'progress/beat') {
        if (revision !== null && at > revision) resync()
        return events.emit(name, payload as never)
      }
      // Already contained in the snapshot we hold (or one on its way): skip.
      if (revision !== null && at <= revision) return
      if (revision === null || at !== revision + 1) {
        resync()
        if (revision === null) return
      }
      revision = at
      events.emit(name as EngineEventName, payload as never)
    }),
  )
  resync()

  return {
    ...raw,
    snapshot: async () => {
      const snapshot = await fetchSnapshot()
      if (revision === null || snapshot.revision >= revision) revision = snapshot.revision
      return snapshot
    },
    on: (name, listener) => events.on(name, listener),
    dispose: () => {
      disposed = true
      for (const off of offs) off()
      raw.dispose()
    },
  }
}
