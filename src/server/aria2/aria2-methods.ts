import type { EngineApi } from '../../shared/protocol/api.ts'
import type { DownloadSnapshot } from '../../shared/protocol/model.ts'
import type { Aria2DownloadView } from './aria2-download-view.ts'
import { groupOf } from './aria2-download-view.ts'
import { rpcDirRefusalHere } from './aria2-dir-policy.ts'
import { methodError } from './aria2-error.ts'
import { gidOf } from './aria2-gid.ts'
import {
  addRequestFields,
  downloadOptions,
  downloadDirIn,
  downloadOptionsPatch,
  globalOptions,
  settingsPatch,
} from './aria2-options.ts'
import type { Aria2Params } from './aria2-params.ts'
import { changeUri } from './aria2-change-uri.ts'
import {
  aria2Files,
  aria2Servers,
  aria2StatusStruct,
  aria2Uris,
  wantsBitfield,
} from './aria2-status.ts'

export type Aria2MethodContext = {
  engine: EngineApi
  view: Aria2DownloadView
  /** Random per server start, as aria2's is per session. */
  sessionId: string
  /** How `shutdown` ends the host; null where the host is not the RPC's to end (the desktop app). */
  shutdown: ((force: boolean) => void) | null
}

type Method = (p: Aria2Params, ctx: Aria2MethodContext) => unknown

/** The version clients see: the aria2 release whose RPC this layer follows. */
export const ARIA2_COMPATIBLE_VERSION = '1.37.0'

export const ARIA2_NOTIFICATIONS = [
  'aria2.onDownloadStart',
  'aria2.onDownloadPause',
  'aria2.onDownloadStop',
  'aria2.onDownloadComplete',
  'aria2.onDownloadError',
] as const

/**
 * aria2's pagination for `tellWaiting`/`tellStopped`: a negative offset counts from the end
 * and the page comes back newest first (`(-1, 2)` on `[A, B, C]` is `[C, B]`).
 */
export function paginate<T>(items: readonly T[], offset: number, num: number): T[] {
  if (num <= 0) return []
  if (offset < 0) {
    const last = items.length + offset
    if (last < 0) return []
    return items.slice(Math.max(0, last - num + 1), last + 1).reverse()
  }
  return items.slice(offset, offset + num)
}

/**
 * Moves `id` to `dest` in the waiting list: just before the download that holds `dest` now, or
 * after the last one when `dest` is the end (the engine's queue also holds running and stopped
 * downloads, which keep their places).
 */
async function moveInWaiting(ctx: Aria2MethodContext, id: string, dest: number): Promise<void> {
  const waiting = ctx.view
    .list('waiting')
    .map((d) => d.id)
    .filter((other) => other !== id)
  const before = waiting[dest]
  const after = waiting[dest - 1]
  if (before !== undefined) await ctx.engine.moveMany([id], { before })
  else if (after !== undefined) await ctx.engine.moveMany([id], { after })
}

/** Throws, naming the rule, when an RPC client may not write into `dir` (aria2-dir-policy.ts). */
async function checkDir(dir: string, ctx: Aria2MethodContext): Promise<void> {
  const refusal = await rpcDirRefusalHere(dir, [ctx.view.settings.defaultDir])
  if (refusal) throw methodError(refusal)
}

function findWaiting(ctx: Aria2MethodContext, gid: string): DownloadSnapshot {
  const d = ctx.view.find(gid)
  if (groupOf(d.state) !== 'waiting')
    throw methodError(`GID#${gidOf(d.id)} not found in the waiting queue.`)
  return d
}

async function addUri(p: Aria2Params, ctx: Aria2MethodContext): Promise<string> {
  const uris = p.array(0).filter((u): u is string => typeof u === 'string')
  const options = p.optionalStruct(1)
  const position = p.has(2) ? p.integer(2) : null
  if (uris.length === 0) throw methodError('URI is not provided.')
  // Several URIs are one file's sources (aria2's meaning): the first is its URL, the others
  // its mirrors.
  const [url, ...mirrors] = uris as [string, ...string[]]
  const fields = {
    ...addRequestFields(options, url),
    ...(mirrors.length > 0 ? { mirrors } : {}),
  }
  if (fields.dir !== undefined) await checkDir(fields.dir, ctx)
  // aria2 adds a URL it has seen again (a new download, a new name); only one still being
  // downloaded into the same file is refused.
  const result = await ctx.engine.add([{ url, ...fields, onDuplicate: 'again' }])
  const added = result.added[0]
  if (!added) throw methodError(result.rejected[0]?.error.message ?? `cannot add ${url}`)
  if (position !== null && groupOf(added.state) === 'waiting') {
    await ctx.view.ready
    await moveInWaiting(ctx, added.id, Math.max(0, position))
  }
  return gidOf(added.id)
}

async function remove(p: Aria2Params, ctx: Aria2MethodContext): Promise<string> {
  const d = ctx.view.find(p.string(0))
  const gid = gidOf(d.id)
  if (groupOf(d.state) === 'stopped') throw methodError(`Active Download not found for GID#${gid}`)
  await ctx.engine.remove({ ids: [d.id] })
  return gid
}

async function pause(p: Aria2Params, ctx: Aria2MethodContext): Promise<string> {
  const d = ctx.view.find(p.string(0))
  const gid = gidOf(d.id)
  const group = groupOf(d.state)
  if (group === 'stopped' || d.state === 'paused')
    throw methodError(`GID#${gid} cannot be paused now`)
  await ctx.engine.pause({ ids: [d.id] })
  return gid
}

async function unpause(p: Aria2Params, ctx: Aria2MethodContext): Promise<string> {
  const d = ctx.view.find(p.string(0))
  const gid = gidOf(d.id)
  if (d.state !== 'paused') throw methodError(`GID#${gid} cannot be unpaused now`)
  await ctx.engine.resume({ ids: [d.id] })
  return gid
}

async function changePosition(p: Aria2Params, ctx: Aria2MethodContext): Promise<number> {
  const d = findWaiting(ctx, p.string(0))
  const pos = p.integer(1)
  const how = p.string(2)
  const waiting = ctx.view.list('waiting')
  const current = waiting.findIndex((w) => w.id === d.id)
  let dest: number
  if (how === 'POS_SET') dest = pos
  else if (how === 'POS_CUR') dest = current + pos
  else if (how === 'POS_END') dest = waiting.length - 1 + pos
  else throw methodError('Illegal argument.')
  dest = Math.min(Math.max(0, dest), waiting.length - 1)
  if (dest !== current) await moveInWaiting(ctx, d.id, dest)
  return dest
}

async function removeDownloadResult(p: Aria2Params, ctx: Aria2MethodContext): Promise<string> {
  const d = ctx.view.find(p.string(0))
  if (groupOf(d.state) !== 'stopped')
    throw methodError(`Could not remove download result of GID#${gidOf(d.id)}`)
  // Forgetting a result never deletes a file: the engine is asked without deleteFiles.
  if (!ctx.view.forgetRemoved(d.id)) await ctx.engine.remove({ ids: [d.id] })
  return 'OK'
}

async function purgeDownloadResult(_p: Aria2Params, ctx: Aria2MethodContext): Promise<string> {
  for (const id of ctx.view.removedIds()) ctx.view.forgetRemoved(id)
  const ids = ctx.view.list('stopped').map((d) => d.id)
  if (ids.length) await ctx.engine.remove({ ids })
  return 'OK'
}

/**
 * The byte ranges a download holds (AriaNg's Pieces tab, webui-aria2's chunk bar), asked of the
 * engine's connection map: a watch counted and ended at once, so no other client's watch of the
 * same download is disturbed. Gone meanwhile: no bitfield.
 */
async function finishedRanges(
  ctx: Aria2MethodContext,
  d: DownloadSnapshot,
): Promise<[number, number][] | null> {
  let map
  try {
    map = await ctx.engine.watchSegments(d.id)
  } catch {
    return null
  }
  // Only a watch that was counted is ended: another client's must not be.
  await ctx.engine.unwatchSegments(d.id).catch(() => {})
  return map.finished
}

const tell =
  (group: 'waiting' | 'stopped'): Method =>
  (p, ctx) => {
    // The keys are checked before the list is read: a wrong type is refused even when the
    // list is empty, as aria2 does (it checks every parameter first).
    const keys = p.optionalKeys(2)
    return paginate(ctx.view.list(group), p.integer(0), p.integer(1)).map((d) =>
      aria2StatusStruct(d, keys),
    )
  }

const notTorrents =
  (what: string): Method =>
  () => {
    throw methodError(`${what} is not supported: Downpour downloads HTTP and HTTPS URLs only.`)
  }

function shutdown(force: boolean): Method {
  return (_p, ctx) => {
    if (!ctx.shutdown)
      throw methodError('shutdown is not available here: quit Downpour from its window or tray.')
    ctx.shutdown(force)
    return 'OK'
  }
}

/** Every aria2 method Downpour answers, by its wire name. */
export const ARIA2_METHODS: Readonly<Record<string, Method>> = {
  'aria2.addUri': addUri,
  'aria2.addTorrent': notTorrents('BitTorrent'),
  'aria2.addMetalink': notTorrents('Metalink'),
  'aria2.remove': remove,
  'aria2.forceRemove': remove,
  'aria2.pause': pause,
  'aria2.forcePause': pause,
  'aria2.pauseAll': async (_p, ctx) => (await ctx.engine.pause({ all: true }), 'OK'),
  'aria2.forcePauseAll': async (_p, ctx) => (await ctx.engine.pause({ all: true }), 'OK'),
  'aria2.unpause': unpause,
  'aria2.unpauseAll': async (_p, ctx) => (await ctx.engine.resume({ all: true }), 'OK'),
  'aria2.tellStatus': async (p, ctx) => {
    const d = ctx.view.find(p.string(0))
    const keys = p.optionalKeys(1)
    return aria2StatusStruct(d, keys, wantsBitfield(d, keys) ? await finishedRanges(ctx, d) : null)
  },
  'aria2.changeUri': changeUri,
  'aria2.getUris': (p, ctx) => {
    const d = ctx.view.find(p.string(0))
    if (groupOf(d.state) === 'stopped')
      throw methodError(`No URI data is available for GID#${gidOf(d.id)}`)
    return aria2Uris(d)
  },
  'aria2.getFiles': (p, ctx) => aria2Files(ctx.view.find(p.string(0))),
  'aria2.getServers': (p, ctx) => {
    const d = ctx.view.find(p.string(0))
    if (groupOf(d.state) !== 'active')
      throw methodError(`No active download for GID#${gidOf(d.id)}`)
    return aria2Servers(d)
  },
  // HTTP downloads have no peers; AriaNg asks anyway on its details page.
  'aria2.getPeers': (p, ctx) => (ctx.view.find(p.string(0)), []),
  'aria2.tellActive': (p, ctx) => {
    const keys = p.optionalKeys(0)
    return ctx.view.list('active').map((d) => aria2StatusStruct(d, keys))
  },
  'aria2.tellWaiting': tell('waiting'),
  'aria2.tellStopped': tell('stopped'),
  'aria2.changePosition': changePosition,
  'aria2.changeOption': async (p, ctx) => {
    const d = ctx.view.find(p.string(0))
    const options = p.optionalStruct(1)
    const patch = downloadOptionsPatch(options)
    const dir = downloadDirIn(options)
    if (dir !== undefined) {
      // The folder first: it is the change most likely refused (running, partial data), and
      // then nothing else is applied either.
      await checkDir(dir, ctx)
      const moved = await ctx.engine.changeFolder([d.id], dir).catch((error: unknown) => {
        throw methodError((error as Error).message)
      })
      const refused = moved.rejected[0]
      if (refused) throw methodError(refused.error.message)
    }
    if (Object.keys(patch).length) {
      const result = await ctx.engine.update([{ id: d.id, ...patch }])
      const refused = result.rejected[0]
      if (refused) throw methodError(refused.error.message)
    }
    return 'OK'
  },
  'aria2.getOption': async (p, ctx) => {
    const d = ctx.view.find(p.string(0))
    // The headers it sends are in its details (gone once removed: then without them).
    const details = await ctx.engine.details(d.id).catch(() => null)
    return downloadOptions(d, ctx.view.settings, details?.requestHeaders)
  },
  'aria2.changeGlobalOption': async (p, ctx) => {
    const patch = settingsPatch(p.optionalStruct(0))
    if (patch.defaultDir !== undefined) await checkDir(patch.defaultDir, ctx)
    if (Object.keys(patch).length) await ctx.engine.updateSettings(patch)
    return 'OK'
  },
  'aria2.getGlobalOption': (_p, ctx) => globalOptions(ctx.view.settings),
  'aria2.getGlobalStat': (_p, ctx) => {
    let speed = 0
    for (const d of ctx.view.list('active')) speed += d.speed
    return {
      downloadSpeed: String(Math.round(speed)),
      uploadSpeed: '0',
      numActive: String(ctx.view.count('active')),
      numWaiting: String(ctx.view.count('waiting')),
      numStopped: String(ctx.view.count('stopped')),
      numStoppedTotal: String(ctx.view.stoppedTotal),
    }
  },
  'aria2.purgeDownloadResult': purgeDownloadResult,
  'aria2.removeDownloadResult': removeDownloadResult,
  'aria2.getVersion': () => ({
    version: ARIA2_COMPATIBLE_VERSION,
    enabledFeatures: ['HTTPS', 'Message Digest'],
  }),
  'aria2.getSessionInfo': (_p, ctx) => ({ sessionId: ctx.sessionId }),
  // The engine saves its queue atomically after every change: there is nothing left to save.
  'aria2.saveSession': () => 'OK',
  'aria2.shutdown': shutdown(false),
  'aria2.forceShutdown': shutdown(true),
}

/** Methods answered without the secret (aria2's rule). */
export const UNAUTHENTICATED_METHODS: ReadonlySet<string> = new Set([
  'system.listMethods',
  'system.listNotifications',
])

export const SYSTEM_METHOD_NAMES = [
  'system.multicall',
  'system.listMethods',
  'system.listNotifications',
] as const
