import { open } from 'node:fs/promises'

const CHUNK = 1024 * 1024
const NEWLINE = 0x0a

/**
 * Calls `onLine` for every non-empty line of a file, reading it 1 MiB at a time (a 60 MB queue
 * never becomes one string). `terminated` is false only for a last line without its `\n`: an
 * append that a crash cut short (a torn tail), which the caller ignores instead of calling it
 * corrupt. Resolves false when the file does not exist.
 *
 * Each read is decoded once, up to its last newline (a UTF-8 character never holds a newline
 * byte), and cut into lines as a string: a `toString` per line is a real share of a long
 * snapshot's load (docs/benchmarks.md, "Figures behind the engine's comments").
 */
export async function readLines(
  path: string,
  onLine: (line: string, terminated: boolean) => void,
  chunkBytes = CHUNK,
): Promise<boolean> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
  try {
    const buffer = Buffer.allocUnsafe(chunkBytes)
    let carry: Buffer | null = null
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null)
      if (bytesRead === 0) break
      let chunk = buffer.subarray(0, bytesRead)
      if (carry) {
        chunk = Buffer.concat([carry, chunk])
        carry = null
      }
      const last = chunk.lastIndexOf(NEWLINE)
      if (last !== -1) {
        const text = chunk.toString('utf8', 0, last + 1)
        let from = 0
        for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', from)) {
          if (at > from) onLine(text.slice(from, at), true)
          from = at + 1
        }
      }
      // The rest has no newline yet: copy it (the buffer is reused for the next read).
      if (last + 1 < chunk.length) carry = Buffer.from(chunk.subarray(last + 1))
    }
    if (carry && carry.length > 0) onLine(carry.toString('utf8'), false)
    return true
  } finally {
    await handle.close()
  }
}
