import type { EngineConnection } from '../../../shared/protocol/connection.ts'
import type { EngineEventName, EngineEvents } from '../../../shared/protocol/events.ts'
import type { EngineClient } from '../../../shared/protocol/rpc.ts'
import { useAppStore } from './app-store.ts'
import { openAddDialog } from './ui-actions.ts'
import {
  applyAdded,
  applyBeat,
  applyChanged,
  applyMoved,
  applyRemoved,
  applySettings,
  applySnapshot,
} from './download-actions.ts'

type RevisionedEvent = Extract<
  EngineEventName,
  'download/added' | 'download/changed' | 'download/removed' | 'download/moved' | 'settings/changed'
>
const REVISIONED: readonly RevisionedEvent[] = [
  'download/added',
  'download/changed',
  'download/removed',
  'download/moved',
  'settings/changed',
]

type Buffered = { [K in RevisionedEvent]: { name: K; payload: EngineEvents[K] } }[RevisionedEvent]

let bound: { client: EngineClient; stop: () => void } | null = null
let attached: EngineConnection | null = null

/** The desktop's native folder picker, when the shell has one. */
export function pickFolder(): Promise<string | null> {
  return attached?.pickFolder?.() ?? Promise.resolve(null)
}

/** Desktop only: asks the shell to start the engine again after it gave up. */
export function restartEngine(): void {
  attached?.restartEngine?.()
}

/** The client commands go to, or null while the engine is not connected. */
export function currentClient(): EngineClient | null {
  return bound?.client ?? null
}

/**
 * Feeds the store from one engine client: subscribes first, then takes a snapshot; events that
 * arrive while the snapshot is in flight are kept and replayed if newer than it. An event that
 * skips a revision, or a beat ahead of the store, means something was missed: one snapshot is
 * asked for (never more than one in flight plus one trailing). Returns a function that unbinds.
 */
export function bindClient(client: EngineClient): () => void {
  bound?.stop()
  let live = true
  let ready = false
  let inFlight = false
  let again = false
  let buffer: Buffered[] = []

  const resnapshot = (): void => {
    if (!live) return
    ready = false
    if (inFlight) {
      again = true
      return
    }
    inFlight = true
    client.snapshot().then(
      (snapshot) => {
        inFlight = false
        if (!live) return
        applySnapshot(snapshot)
        ready = true
        const replay = buffer
        buffer = []
        for (const event of replay) apply(event)
        if (again) {
          again = false
          resnapshot()
        }
      },
      () => {
        // The link went down; the shell hands over a new client, which snapshots again.
        inFlight = false
      },
    )
  }

  const apply = (event: Buffered): void => {
    if (!ready) {
      buffer.push(event)
      return
    }
    const revision = useAppStore.getState().downloads.revision
    if (event.payload.revision <= revision) return
    if (event.payload.revision > revision + 1) {
      buffer.push(event)
      resnapshot()
      return
    }
    switch (event.name) {
      case 'download/added':
        return applyAdded(event.payload)
      case 'download/changed':
        return applyChanged(event.payload)
      case 'download/removed':
        return applyRemoved(event.payload)
      case 'download/moved':
        return applyMoved(event.payload)
      case 'settings/changed':
        return applySettings(event.payload)
    }
  }

  const offs = REVISIONED.map((name) =>
    client.on(name, (payload) => apply({ name, payload } as Buffered)),
  )
  offs.push(
    client.on('progress/beat', (beat) => {
      applyBeat(beat)
      if (ready && beat.revision > useAppStore.getState().downloads.revision) resnapshot()
    }),
    client.on('engine/snapshot', (snapshot) => {
      if (snapshot.revision >= useAppStore.getState().downloads.revision) {
        applySnapshot(snapshot)
        ready = true
      }
    }),
  )
  const stop = (): void => {
    live = false
    for (const off of offs) off()
    if (bound?.client === client) bound = null
  }
  bound = { client, stop }
  resnapshot()
  return stop
}

/**
 * Follows a shell's connection: its status into the store, and every new client bound (the
 * client is replaced on each reconnection). Returns a function that stops following.
 */
export function attachConnection(connection: EngineConnection): () => void {
  attached = connection
  useAppStore.setState((s) => ({
    connection: {
      ...s.connection,
      host: connection.host,
      status: connection.status(),
      canPickFolder: connection.pickFolder !== undefined,
      canRestart: connection.restartEngine !== undefined,
    },
  }))
  const offStatus = connection.onStatus((status) =>
    useAppStore.setState((s) => ({ connection: { ...s.connection, status } })),
  )
  let unbind: (() => void) | null = null
  const offClient = connection.onClient((client) => {
    unbind?.()
    unbind = bindClient(client)
  })
  // URLs from a second launch of the desktop app open the add dialog, like a drop.
  const offUrls = connection.onExternalUrls?.((urls) => openAddDialog({ text: urls.join('\n') }))
  return () => {
    offStatus()
    offClient()
    offUrls?.()
    unbind?.()
    if (attached === connection) attached = null
  }
}
