import { open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { IfExists } from '../../shared/protocol/model.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import { syncDirectory } from './atomic-file.ts'
import { SNAPSHOT_FILE } from './queue-lines.ts'
import { encodeRecord } from './record-codec.ts'

const WRITE_CHUNK = 1024 * 1024

/**
 * Writes the queue's snapshot (`queue.ndjson`): `header`, then the records of `order` still
 * there, one per line (each against `defaultIfExists`, the one `header` declares), into `temp`
 * in ~1 MiB writes; fsync, rename over the snapshot, fsync the folder. A failure before the rename deletes the temp and leaves the old snapshot as it was.
 * Returns the snapshot's size in bytes.
 */
export async function writeSnapshot(
  dir: string,
  temp: string,
  header: string,
  order: readonly string[],
  recordOf: (id: string) => DownloadRecord | undefined,
  defaultIfExists: IfExists,
): Promise<number> {
  const tempPath = join(dir, temp)
  const handle = await open(tempPath, 'w', 0o600)
  let bytes = 0
  try {
    let chunk = header + '\n'
    for (const id of order) {
      const record = recordOf(id)
      if (!record) continue // removed since S: its removal is in the new journal
      chunk += encodeRecord(record, defaultIfExists) + '\n'
      if (chunk.length >= WRITE_CHUNK) {
        bytes += await writeChunk(handle, chunk)
        chunk = ''
      }
    }
    bytes += await writeChunk(handle, chunk)
    await handle.sync()
    await handle.close()
  } catch (error) {
    await handle.close().catch(() => {})
    await rm(tempPath, { force: true })
    throw error
  }
  await rename(tempPath, join(dir, SNAPSHOT_FILE))
  await syncDirectory(dir)
  return bytes
}

async function writeChunk(
  handle: Awaited<ReturnType<typeof open>>,
  chunk: string,
): Promise<number> {
  if (chunk.length === 0) return 0
  const data = Buffer.from(chunk)
  // FileHandle.writeFile writes from the current position and loops over short writes.
  await handle.writeFile(data)
  return data.length
}
