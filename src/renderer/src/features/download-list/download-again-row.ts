import type { AddRequest, DownloadSnapshot } from '../../../../shared/protocol/model.ts'
import { useAppStore } from '../../store/app-store.ts'
import * as commands from '../../store/commands.ts'
import { showError } from '../../store/ui-actions.ts'
import { hasDesktopFiles, openDownload, showDownload } from '../../lib/desktop.ts'
import { canDownloadAgain, replacesOld } from '../add/download-again.ts'

/** The row's words for a completed download whose file is gone. */
export const missingWords = {
  downloadAgain: 'Download again',
  removeFromList: 'Remove from list',
  missing: (name: string) =>
    `${name} is no longer in its folder (deleted or moved): download it again, or remove it from the list`,
  openFailed: (name: string, reason: string) => `Cannot open ${name}: ${reason}`,
}

/**
 * What "Download again" sends for a download in the list: its URL, folder and options the
 * snapshot carries, as a new download (`onDuplicate: 'again'`), and `againOf` its id: the
 * engine carries the request headers (cookies, referer, user agent) and URL password that no
 * snapshot holds. `paused` for a row it replaces (see downloadAgain).
 */
export function againRequest(d: DownloadSnapshot, paused = false): AddRequest {
  return {
    url: d.url,
    dir: d.dir,
    ...(d.checksum ? { checksum: d.checksum } : {}),
    ...(d.speedLimit > 0 ? { speedLimit: d.speedLimit } : {}),
    ...(d.maxConnections !== null ? { maxConnections: d.maxConnections } : {}),
    ...(paused ? { paused } : {}),
    onDuplicate: 'again',
    againOf: d.id,
  }
}

/**
 * Downloads finished rows again: a row whose file is gone (or that failed) is replaced, so the
 * file gets its name back; a completed one whose file is there gets a new one beside it. The
 * new downloads are added while the old rows are still there (the engine copies their headers
 * from them); a replacing one waits paused until its old row is removed and its name is free.
 */
export async function downloadAgain(ids: readonly string[]): Promise<void> {
  const byId = useAppStore.getState().downloads.byId
  const rows = ids.map((id) => byId[id]).filter(canDownloadAgain)
  if (rows.length === 0) return
  const replace = new Set(rows.filter(replacesOld).map((d) => d.id))
  const result = await commands.add(rows.map((d) => againRequest(d, replace.has(d.id))))
  if (replace.size === 0) return
  await commands.remove([...replace], true)
  const waiting = (result?.added ?? []).filter((d) => d.state === 'paused').map((d) => d.id)
  if (waiting.length > 0) await commands.resume(waiting)
}

/**
 * Open and Show never fail silently: the file is looked for first (the engine answers), and a
 * missing one is said with what to do; a refusal from the desktop side is said too.
 */
export async function openChecked(id: string, how: 'open' | 'show'): Promise<void> {
  const d = useAppStore.getState().downloads.byId[id]
  if (d === undefined || !hasDesktopFiles()) return
  if (d.state === 'completed') {
    const answer = await commands.checkFiles([id])
    if (answer?.missing.includes(id)) {
      showError(missingWords.missing(d.name))
      return
    }
  }
  try {
    await (how === 'open' ? openDownload(id) : showDownload(id))
  } catch (error) {
    showError(missingWords.openFailed(d.name, (error as Error).message))
  }
}
