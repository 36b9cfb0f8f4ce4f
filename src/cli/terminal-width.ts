/**
 * How many terminal columns a character takes: 2 for East Asian wide and full-width characters
 * and emoji, 0 for combining marks, 1 otherwise. An estimate of wcwidth (no table of every
 * Unicode version), enough that a live row with a Chinese file name does not wrap: a wrapped row
 * is one the progress display's erase (counted in rows) leaves behind on the screen.
 */
export function charColumns(char: string): number {
  const c = char.codePointAt(0)!
  if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f) || c === 0xfe0f) return 0
  if (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1faff) ||
    (c >= 0x20000 && c <= 0x3fffd)
  )
    return 2
  return 1
}

/** The columns `text` takes on a terminal. */
export function textColumns(text: string): number {
  let n = 0
  for (const char of text) n += charColumns(char)
  return n
}

/**
 * `text` in at most `width` columns: cut with an ellipsis when longer, and with `pad`, filled
 * with spaces to exactly `width`.
 */
export function fitColumns(text: string, width: number, pad = false): string {
  const used = textColumns(text)
  if (used <= width) return pad ? text + ' '.repeat(width - used) : text
  if (width <= 0) return ''
  let out = ''
  let n = 0
  // Room for the ellipsis (one column) when there is more than one column.
  const budget = width > 1 ? width - 1 : width
  for (const char of text) {
    const w = charColumns(char)
    if (n + w > budget) break
    out += char
    n += w
  }
  if (width > 1) {
    out += '…'
    n += 1
  }
  return pad ? out + ' '.repeat(width - n) : out
}
