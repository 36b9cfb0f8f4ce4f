/**
 * The URL keys a list has given so far and the line each was first given on, without holding
 * the keys themselves: a 31-bit hash of each key → its first line's number and where that line
 * starts in the text. A hash met again is confirmed by reading that line's keys again (a real
 * repeat, or a rare collision between two URLs). Holding every key was a second copy of each
 * URL while a 100,000-line list was read (~8 MB of strings).
 */
export class SeenUrls {
  /** Hash → index into `#lines` and `#offsets` (an array when URLs collide). */
  #byHash = new Map<number, number | number[]>()
  #lines: number[] = []
  #offsets: number[] = []
  #keysAt: (offset: number) => readonly string[]

  /** `keysAt(offset)`: the keys of the URL line that starts at `offset` in the text. */
  constructor(keysAt: (offset: number) => readonly string[]) {
    this.#keysAt = keysAt
  }

  /** The line `key` was first given on, or undefined (and it is noted as given on `line`). */
  firstLineOrAdd(key: string, line: number, offset: number): number | undefined {
    const hash = hashOf(key)
    const held = this.#byHash.get(hash)
    if (held !== undefined) {
      for (const at of typeof held === 'number' ? [held] : held) {
        if (this.#keysAt(this.#offsets[at]!).includes(key)) return this.#lines[at]
      }
    }
    const at = this.#lines.push(line) - 1
    this.#offsets.push(offset)
    if (held === undefined) this.#byHash.set(hash, at)
    else if (typeof held === 'number') this.#byHash.set(hash, [held, at])
    else held.push(at)
    return undefined
  }

  clear(): void {
    this.#byHash.clear()
    this.#lines = []
    this.#offsets = []
  }
}

/** FNV-1a over UTF-16 code units, 31 bits (a small integer: no boxed number per key). */
export function hashOf(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 1
}
