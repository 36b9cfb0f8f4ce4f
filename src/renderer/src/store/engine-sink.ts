import type { EngineConnection } from '../../../shared/protocol/connection.ts'
import {
  REVISIONED_EVENT_NAMES,
  type EngineEvents,
  type RevisionedEventName,
} from '../../../shared/protocol/events.ts'
import type { SnapshotPart } from '../../../shared/protocol/api.ts'
import type { DownloadSnapshot } from '../../../shared/protocol/model.ts'
import type { EngineClient } from '../../../shared/protocol/rpc.ts'
import { publishGate, useAppStore } from './app-store.ts'
import { openAddDialog } from './ui-actions.ts'
import { ERROR_CODES } from '../../../shared/protocol/errors.ts'
import {
  applyAdded,
  applyBeat,
  applyChanged,
  applyMoved,
  applyRemoved,
  applySettings,
  applySnapshot,
  applySnapshotPart,
  beatClock,
} from './download-actions.ts'

type Buffered = {
  [K in RevisionedEventName]: { name: K; payload: EngineEvents[K] }
}[RevisionedEventName]

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

const clientListeners = new Set<() => void>()

/**
 * Calls `listener` whenever `currentClient()` changes (a connection, a reconnection, a link
 * going down), for what must be asked again of each new client: the engine forgets a client's
 * subscriptions (segment watches) with its connection. `useSyncExternalStore`'s subscribe.
 */
export function onClientChange(listener: () => void): () => void {
  clientListeners.add(listener)
  return () => clientListeners.delete(listener)
}

function setBound(next: { client: EngineClient; stop: () => void } | null): void {
  if (bound === next) return
  bound = next
  for (const listener of [...clientListeners]) listener()
}

/** Rows asked for first: a screenful and a little scrolling, drawn before the rest arrives. */
export const FIRST_ROWS = 100
/**
 * Rows per later part: ~200 KB of JSON, which parses in a few ms — well under the 50 ms of a
 * long task even on a starved machine (bench:ui) — where the whole 10,000-download snapshot
 * (4.2 MB) took 100–240 ms in one task.
 */
export const PART_ROWS = 500
/**
 * Parts asked for ahead: each is a round trip to an engine whose loop is busy with transfers
 * (~100–400 ms under bench:ui's load), so one at a time left the list filling for seconds.
 * Four in flight keep < 1 MB waiting in the server's send buffer (its flow control starts
 * dropping state events above 1 MiB).
 */
export const PARTS_IN_FLIGHT = 4
/**
 * Rows gathered before they go into the store during a first load: each apply re-derives the
 * view over the whole queue and re-renders the list, so 20 applies of 500 cost more than 5 of
 * 2,000 (bench:ui counted the applies among the long tasks).
 */
export const APPLY_ROWS = 2000

/**
 * Feeds the store from one engine client: subscribes first, then reads a snapshot in parts
 * (`snapshotHead` + `snapshotPart`); events that arrive meanwhile are kept and replayed once
 * the last part is in, if newer than the head. The first load is shown part by part (the first
 * rows within a round trip); a later one (a reconnection, a missed revision) is collected and
 * applied at once, so the list the person is looking at does not shrink and regrow. An event
 * that skips a revision, or a beat ahead of the store, means something was missed: one snapshot
 * is asked for (never more than one in flight plus one trailing). Returns a function that unbinds.
 */
export function bindClient(client: EngineClient): () => void {
  bound?.stop()
  let live = true
  let ready = false
  let inFlight = false
  let again = false
  let buffer: Buffered[] = []

  const load = async (): Promise<void> => {
    const progressive = !useAppStore.getState().downloads.loaded
    const head = await client.snapshotHead(FIRST_ROWS)
    if (!live) return
    publishGate.holdForTask()
    // Rows still to come: the status bar says the page is catching up, not the engine slow.
    let backlog = head.total - head.downloads.length
    setBacklog(backlog)
    if (progressive) applySnapshot(head)
    const rest = progressive ? null : [...head.downloads]
    const cursor = head.cursor
    if (cursor !== null) {
      // The parts the head's order holds, asked for PARTS_IN_FLIGHT ahead; answered in order.
      const count = Math.ceil((head.total - head.downloads.length) / PART_ROWS)
      const asked: Promise<SnapshotPart>[] = []
      const ask = (): void => {
        if (asked.length >= count) return
        const call = client.snapshotPart(cursor, PART_ROWS)
        call.catch(() => {}) // Seen where it is awaited; one failure stops the load.
        asked.push(call)
      }
      for (let i = 0; i < PARTS_IN_FLIGHT; i++) ask()
      let gathered: DownloadSnapshot[] = []
      for (let i = 0; i < count; i++) {
        const part = await asked[i]!
        if (!live) return
        publishGate.holdForTask()
        ask()
        if (rest) rest.push(...part.downloads)
        else gathered.push(...part.downloads)
        backlog -= part.downloads.length
        if (gathered.length >= APPLY_ROWS) {
          applySnapshotPart(gathered)
          gathered = []
          setBacklog(backlog)
        }
        if (part.cursor === null) break
      }
      applySnapshotPart(gathered)
    }
    if (rest) applySnapshot({ revision: head.revision, downloads: rest, settings: head.settings })
    setBacklog(0)
  }

  const resnapshot = (): void => {
    if (!live) return
    ready = false
    if (inFlight) {
      again = true
      return
    }
    inFlight = true
    load().then(
      () => {
        inFlight = false
        if (!live) return
        ready = true
        const replay = buffer
        buffer = []
        for (const event of replay) apply(event)
        if (again) {
          again = false
          resnapshot()
        }
      },
      (error: unknown) => {
        inFlight = false
        // The engine dropped our cursor for newer ones: read again. Any other failure is the
        // link going down; the shell hands over a new client, which snapshots again.
        if ((error as { code?: unknown })?.code === ERROR_CODES.notFound) resnapshot()
      },
    )
  }

  const apply = (event: Buffered): void => {
    // Published with the other changes of this slice of messages (see PublishGate).
    publishGate.holdForTask()
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

  const offs = REVISIONED_EVENT_NAMES.map((name) =>
    client.on(name, (payload) => apply({ name, payload } as Buffered)),
  )
  offs.push(
    client.on('progress/beat', (beat) => {
      publishGate.holdForTask()
      applyBeat(beat)
      if (ready && beat.revision > useAppStore.getState().downloads.revision) resnapshot()
    }),
    client.on('engine/snapshot', (snapshot) => {
      publishGate.holdForTask()
      if (!inFlight && snapshot.revision >= useAppStore.getState().downloads.revision) {
        applySnapshot(snapshot)
        ready = true
      }
    }),
  )
  const stop = (): void => {
    live = false
    for (const off of offs) off()
    if (bound?.client === client) setBound(null)
  }
  beatClock.reset()
  setBound({ client, stop })
  resnapshot()
  return stop
}

function setBacklog(backlog: number): void {
  useAppStore.setState((s) =>
    s.connection.backlog === backlog ? s : { connection: { ...s.connection, backlog } },
  )
}

/**
 * Follows a shell's connection: its status into the store, and every new client bound (the
 * client is replaced on each reconnection). Returns a function that stops following. Attaching
 * the connection that is already attached shares it (it is followed until every caller
 * stopped); attaching another one replaces it.
 */
export function attachConnection(connection: EngineConnection): () => void {
  // Shared by whoever attaches the same connection (the page's entry before the first render,
  // the App after it): the store follows it until the last of them lets go.
  if (attachment?.connection === connection) {
    const shared = attachment
    shared.holders++
    return once(() => release(shared))
  }
  attachment?.detach()
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
  const current: Attachment = {
    connection,
    holders: 1,
    detach: () => {
      offStatus()
      offClient()
      offUrls?.()
      unbind?.()
      if (attachment === current) attachment = null
      if (attached === connection) attached = null
    },
  }
  attachment = current
  return once(() => release(current))
}

type Attachment = { connection: EngineConnection; holders: number; detach: () => void }
let attachment: Attachment | null = null

function release(a: Attachment): void {
  if (--a.holders === 0) a.detach()
}

function once(fn: () => void): () => void {
  let done = false
  return () => {
    if (done) return
    done = true
    fn()
  }
}
