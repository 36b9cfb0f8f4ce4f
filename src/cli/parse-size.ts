/** Parses sizes as aria2 does: `1048576`, `512K`, `1M`, `1.5G`, `1T` (binary units). */
export function parseSize(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text)
  if (!match) return null
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[
    match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'
  ]
  const value = Math.round(Number(match[1]) * unit)
  return Number.isSafeInteger(value) ? value : null
}
