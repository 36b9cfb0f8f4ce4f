import { basename, join } from 'node:path'
import type { DownloadSnapshot } from '../shared/protocol/model.ts'

/**
 * The file behind a download id, for "Open file" / "Show in folder". The page only ever names
 * an id; main looks the path up in the engine's own snapshot, so a compromised page cannot make
 * main open an arbitrary path. Opening needs a completed download; showing accepts any.
 */
export function resolveDownloadPath(
  downloads: readonly DownloadSnapshot[],
  id: unknown,
  action: 'open' | 'show',
): { path: string; name: string; origin: string } | { error: string } {
  if (typeof id !== 'string' || id === '' || id.length > 200) return { error: 'not a download id' }
  const download = downloads.find((d) => d.id === id)
  if (!download) return { error: 'no such download' }
  // The engine writes one sanitized name into its folder; anything else is not ours to open.
  if (download.name === '' || basename(download.name) !== download.name || download.name === '..')
    return { error: 'the download has no file name yet' }
  if (action === 'open' && download.state !== 'completed')
    return { error: 'only a completed download can be opened' }
  // Where the bytes came from (the end of the redirects), for the question before opening.
  const origin = download.finalUrl ?? download.url
  return { path: join(download.dir, download.name), name: download.name, origin }
}
