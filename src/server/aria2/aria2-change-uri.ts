import type { DownloadSnapshot } from '../../shared/protocol/model.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import type { EngineApi } from '../../shared/protocol/api.ts'
import type { Aria2DownloadView } from './aria2-download-view.ts'
import { methodError } from './aria2-error.ts'
import type { Aria2Params } from './aria2-params.ts'

/** A download's URI list after `changeUri`'s removals and additions, with aria2's counts. */
export type UriChange = { uris: string[]; deleted: number; added: number }

/**
 * aria2's `changeUri` on one file's list (its URL first, then its mirrors): each entry of
 * `del` removes one occurrence (a URI listed three times needs three entries); then `add` is
 * inserted at `position` of what is left (0-based; past the end or null: appended). What
 * aria2 would not take as a URI — here, anything but an http/https URL — is skipped and not
 * counted, as aria2 skips what it cannot parse. A URI shown without its password (`***`)
 * matches the one it stands for.
 */
export function changeUriList(
  current: readonly string[],
  del: readonly string[],
  add: readonly string[],
  position: number | null,
): UriChange {
  const uris = [...current]
  let deleted = 0
  for (const uri of del) {
    const at = uris.findIndex((u) => u === uri || u === redactUrl(safeUrl(uri) ?? u))
    if (at === -1) continue
    uris.splice(at, 1)
    deleted++
  }
  const valid = add.filter((uri) => {
    const url = safeUrl(uri)
    return url !== null && (url.protocol === 'http:' || url.protocol === 'https:')
  })
  const at = position === null ? uris.length : Math.min(position, uris.length)
  uris.splice(at, 0, ...valid)
  return { uris, deleted, added: valid.length }
}

function safeUrl(text: string): URL | null {
  try {
    return new URL(text)
  } catch {
    return null
  }
}

/**
 * `changeUri(gid, fileIndex, delUris, addUris[, position])`, answered `[deleted, added]` as
 * aria2 does. The first URI of the list is the download's URL, the others its mirrors: a new
 * first URI is the engine's Change URL (it must serve the same file, and the download be paused
 * or failed), the rest replace the mirrors (a running download starts again with them, its
 * durable bytes kept: a transfer reads its sources once).
 * A list left empty is refused, as is keeping a mirror whose password the engine never shows.
 */
export async function changeUri(
  p: Aria2Params,
  ctx: { engine: Pick<EngineApi, 'changeUrl' | 'update'>; view: Pick<Aria2DownloadView, 'find'> },
): Promise<[number, number]> {
  const d: DownloadSnapshot = ctx.view.find(p.string(0))
  const index = p.integer(1)
  if (index < 1)
    throw methodError(
      'The integer parameter at 1 has invalid value: the value must be greater than or equal to 1.',
    )
  const del = uriList(p, 2)
  const add = uriList(p, 3)
  const position = p.has(4) ? p.integer(4) : null
  if (position !== null && position < 0)
    throw methodError('Position must be greater than or equal to 0.')
  if (index > 1) throw methodError('fileIndex is out of range')
  const mirrors = d.mirrors ?? []
  const change = changeUriList([d.url, ...mirrors], del, add, position)
  if (change.deleted === 0 && change.added === 0) return [0, 0]
  const [url, ...rest] = change.uris
  if (url === undefined)
    throw methodError('Downpour keeps at least one URL per download: give the new one in addUris')
  const hidden = rest.find((uri) => mirrors.includes(uri) && uri.includes(':***@'))
  if (hidden !== undefined)
    throw methodError(
      `the mirror ${hidden} has a password Downpour does not show: remove it and add it again with its password`,
    )
  try {
    if (url !== d.url) await ctx.engine.changeUrl(d.id, url)
    if (JSON.stringify(rest) !== JSON.stringify(mirrors)) {
      const result = await ctx.engine.update([{ id: d.id, mirrors: rest }])
      const refused = result.rejected[0]
      if (refused) throw new Error(refused.error.message)
    }
  } catch (error) {
    throw methodError((error as Error).message)
  }
  return [change.deleted, change.added]
}

function uriList(p: Aria2Params, index: number): string[] {
  const list = p.array(index)
  if (!list.every((uri): uri is string => typeof uri === 'string'))
    throw methodError(`The parameter at ${index} has wrong type.`)
  return list
}
