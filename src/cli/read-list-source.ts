import { open } from 'node:fs/promises'
import { MAX_LIST_BYTES } from '../shared/list/decode-list-bytes.ts'

export type ListSource = { ok: true; bytes: Buffer } | { ok: false; problem: string }

const CHUNK = 1024 * 1024

/**
 * The bytes of an input file (`-` = stdin), read in chunks and never more than the list cap plus
 * one byte: `-i /dev/zero` or a huge file is refused with a reason instead of filling memory until
 * V8 gives up ("Invalid string length").
 */
export async function readListSource(path: string): Promise<ListSource> {
  const tooBig = {
    ok: false,
    problem: `larger than ${MAX_LIST_BYTES / 1024 / 1024} MB; a list of URLs is never this big`,
  } as const
  const chunks: Buffer[] = []
  let total = 0
  try {
    if (path === '-') {
      for await (const chunk of process.stdin) {
        chunks.push(chunk as Buffer)
        total += (chunk as Buffer).length
        if (total > MAX_LIST_BYTES) {
          process.stdin.destroy()
          return tooBig
        }
      }
      return { ok: true, bytes: Buffer.concat(chunks) }
    }
    const handle = await open(path, 'r')
    try {
      if ((await handle.stat()).isDirectory()) return { ok: false, problem: 'is a folder' }
      for (;;) {
        const buffer = Buffer.allocUnsafe(CHUNK)
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, null)
        if (bytesRead === 0) break
        chunks.push(buffer.subarray(0, bytesRead))
        total += bytesRead
        if (total > MAX_LIST_BYTES) return tooBig
      }
    } finally {
      await handle.close()
    }
    return { ok: true, bytes: Buffer.concat(chunks) }
  } catch (error) {
    return { ok: false, problem: (error as Error).message }
  }
}
