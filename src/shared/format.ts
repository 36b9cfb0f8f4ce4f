/** Human-readable figures, shared by the CLI and the UI. */

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  // Move up a unit also when rounding would print "1024 KiB".
  while ((value >= 1024 || value.toFixed(0) === '1024') && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  if (unit === 0) return `${bytes} B`
  // One decimal under 10 as printed: 9.95 rounds to "10.0", which reads as "10".
  const tenths = value.toFixed(1)
  return `${Number(tenths) < 10 ? tenths : value.toFixed(0)} ${units[unit]}`
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--'
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const pad = (n: number) => String(n).padStart(2, '0')
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`
}

/**
 * 12345 → "12,345": a count with thousands separators, as `toLocaleString('en')` writes it,
 * without Intl. The first Intl number format of a page costs tens of ms in Chromium, in the
 * middle of drawing the window's first rows (bench:ui --profile-load; docs/benchmarks.md).
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return String(n)
  const digits = String(Math.abs(n))
  let out = ''
  for (let end = digits.length; end > 0; end -= 3)
    out = digits.slice(Math.max(0, end - 3), end) + (out === '' ? '' : ',' + out)
  return n < 0 ? '-' + out : out
}
