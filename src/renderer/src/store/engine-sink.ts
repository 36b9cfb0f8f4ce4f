import type { EngineConnection } from '../../../shared/protocol/connection.ts'
import { EngineMirror } from '../../../shared/protocol/engine-mirror.ts'
import type { SnapshotPart } from '../../../shared/protocol/api.ts'
import type { DownloadSnapshot } from '../../../shared/protocol/model.ts'
import type { EngineClient } from '../../../shared/protocol/rpc.ts'
import { publishGate, useAppStore } from './app-store.ts'
import { openAddDialog } from './ui-actions.ts'
import { beatClock, storeMirror } from './download-actions.ts'
import { engineTraffic } from './engine-traffic.ts'

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
 * long task even on a starved machine (bench:ui) — where the whole snapshot of a long queue is
 * one long task (docs/benchmarks.md, "Figures behind the window's comments").
 */
export const PART_ROWS = 500
/**
 * Parts asked for ahead: each is a round trip to an engine whose loop is busy with transfers
 * (a tenth of a second or more under bench:ui's load), so one at a time left the list filling
 * for seconds.
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
 * Feeds the store from one engine client through an EngineMirror (shared/protocol/
 * engine-mirror.ts: the revision and resync rules), whose state is the store's downloads slice.
 * A snapshot is read in parts (`snapshotHead` + `snapshotPart`). The first load is shown part by
 * part (the first rows within a round trip); a later one (a reconnection, a missed revision) is
 * collected and applied at once, so the list the person is looking at does not shrink and
 * regrow. Returns a function that unbinds.
 */
export function bindClient(client: EngineClient): () => void {
  bound?.stop()
  const mirror = new EngineMirror({ storage: storeMirror, read: (m) => readInParts(client, m) })
  beatClock.reset()
  engineTraffic.reset()
  const stop = (): void => {
    mirror.stop()
    if (bound?.client === client) setBound(null)
  }
  setBound({ client, stop })
  mirror.follow(client)
  return stop
}

/** A snapshot in parts, PARTS_IN_FLIGHT asked for ahead (see the constants above). */
async function readInParts(client: EngineClient, mirror: EngineMirror): Promise<void> {
  const progressive = !useAppStore.getState().downloads.loaded
  const head = await client.snapshotHead(FIRST_ROWS)
  if (mirror.stopped) return
  publishGate.holdForTask()
  // Rows still to come: the status bar says the page is catching up, not the engine slow.
  let backlog = head.total - head.downloads.length
  setBacklog(backlog)
  if (progressive) mirror.reset(head)
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
      if (mirror.stopped) return
      publishGate.holdForTask()
      ask()
      if (rest) rest.push(...part.downloads)
      else gathered.push(...part.downloads)
      backlog -= part.downloads.length
      if (gathered.length >= APPLY_ROWS) {
        mirror.appendPart(gathered)
        gathered = []
        setBacklog(backlog)
      }
      if (part.cursor === null) break
    }
    mirror.appendPart(gathered)
  }
  if (rest) mirror.reset({ revision: head.revision, downloads: rest, settings: head.settings })
  setBacklog(0)
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
