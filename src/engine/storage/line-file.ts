import { open } from 'node:fs/promises'

const CHUNK = 1024 * 1024
const NEWLINE = 0x0a

/**
 * Calls `onLine` for every line of a file, reading it 1 MiB at a time (a 60 MB queue never
 * becomes one string). `terminated` is false only for a last line without its `\n`: an append
 * that a crash cut short (a torn tail), which the caller ignores instead of calling it corrupt.
 * Resolves false when the file does not exist.
 */
export async function readLines(
  path: string,
  onLine: (line: string, terminated: boolean) => void,
): Promise<boolean> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
  try {
    const buffer = Buffer.allocUnsafe(CHUNK)
    let carry: Buffer | null = null
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null)
      if (bytesRead === 0) break
      let chunk = buffer.subarray(0, bytesRead)
      if (carry) {
        chunk = Buffer.concat([carry, chunk])
        carry = null
      }
      let from = 0
      for (let at = chunk.indexOf(NEWLINE, from); at !== -1; at = chunk.indexOf(NEWLINE, from)) {
        if (at > from) onLine(chunk.toString('utf8', from, at), true)
        from = at + 1
      }
      // The rest has no newline yet: copy it (the buffer is reused for the next read).
      if (from < chunk.length) carry = Buffer.from(chunk.subarray(from))
    }
    if (carry && carry.length > 0) onLine(carry.toString('utf8'), false)
    return true
  } finally {
    await handle.close()
  }
}
