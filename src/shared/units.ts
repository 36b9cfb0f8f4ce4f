/**
 * Sizes and durations as people type them (`2M`, `512K`, `30s`, `1.5h`), shared by every place
 * that takes them: the settings schema (so a UI field or `downpour serve` client may send
 * `"2M"`), and the CLI's flags. Pure: no node:, no DOM.
 */

const SIZE_UNITS = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 } as const

/**
 * Parses a size as aria2 does: `1048576`, `512K`, `1M`, `1.5G`, `1T`, `20MiB`, `64 KiB`
 * (binary units; a bare number is bytes). Returns null for anything else, and for values that
 * are not safe integers once scaled.
 */
export function parseSize(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text)
  if (!match) return null
  const unit = SIZE_UNITS[match[2]!.toLowerCase() as keyof typeof SIZE_UNITS]
  const value = Math.round(Number(match[1]) * unit)
  return Number.isSafeInteger(value) ? value : null
}

const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const

/**
 * Parses a duration with its unit into milliseconds: `500ms`, `30s`, `1.5m`, `2h`. The unit
 * is required: a bare `30` could mean seconds (aria2's flags) or milliseconds (the protocol's
 * numbers), and guessing wrong is a 1000× error. Returns null for anything else.
 */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/i.exec(text)
  if (!match) return null
  const unit = DURATION_UNITS[match[2]!.toLowerCase() as keyof typeof DURATION_UNITS]
  const value = Math.round(Number(match[1]) * unit)
  return Number.isSafeInteger(value) ? value : null
}
