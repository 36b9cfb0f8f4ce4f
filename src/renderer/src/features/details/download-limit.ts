import { formatBytes } from '../../../../shared/format.ts'
import { parseSize } from '../../../../shared/units.ts'

/** The fastest per-download limit taken (the engine's global limit has the same bound). */
export const MAX_DOWNLOAD_LIMIT = 1024 ** 4

export type DownloadLimitInput =
  { ok: true; bytesPerSecond: number } | { ok: false; problem: string }

/**
 * What a person typed as one download's speed limit: a rate with a binary unit (`750K`, `3M`,
 * `1.5G`; a bare number is bytes a second, as everywhere in Downpour), and empty, `0` or
 * "none" for no limit. A refusal says what would be taken, in the window's words.
 */
export function parseDownloadLimit(text: string): DownloadLimitInput {
  const trimmed = text.trim().replace(/\/s$/i, '').trim()
  if (trimmed === '' || /^(none|no limit|off)$/i.test(trimmed))
    return { ok: true, bytesPerSecond: 0 }
  const bytes = parseSize(trimmed)
  if (bytes === null)
    return {
      ok: false,
      problem: `"${shorten(text.trim())}" is not a speed: write a rate like 750K or 3M (a second), or leave it empty for no limit`,
    }
  if (bytes > MAX_DOWNLOAD_LIMIT)
    return { ok: false, problem: `must be at most ${formatBytes(MAX_DOWNLOAD_LIMIT)}/s` }
  // Below 1 KiB/s a download of any size never ends; 0 (no limit) is the one exception.
  if (bytes > 0 && bytes < 1024)
    return { ok: false, problem: 'must be at least 1 KiB/s (or 0 for no limit)' }
  return { ok: true, bytesPerSecond: bytes }
}

/** A limit as the field shows it: `750K`, `3M`, empty for none (what parseDownloadLimit takes). */
export function formatDownloadLimit(bytesPerSecond: number): string {
  if (bytesPerSecond <= 0) return ''
  for (const [unit, scale] of [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const)
    if (bytesPerSecond >= scale && bytesPerSecond % scale === 0)
      return `${bytesPerSecond / scale}${unit}`
  return String(bytesPerSecond)
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}
