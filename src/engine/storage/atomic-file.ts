import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'

/**
 * A new file only (O_EXCL), never through a symlink: the temp sits in the download folder, which
 * others may write to. With a random part in its name, nobody can plant a link there in advance.
 */
const TEMP_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0)

/**
 * Replaces `path` with `data` so that after a crash at any moment the file holds either the old
 * or the new content, never a mix: write a temp file, fsync it, rename over, fsync the folder
 * (so the rename itself is durable).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  // The pid lets removeStaleTemps tell a dead process's temp from a live one's.
  const random = randomBytes(6).toString('hex')
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${random}.tmp`)
  const handle = await open(temp, TEMP_FLAGS, 0o600)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } catch (error) {
    await handle.close().catch(() => {})
    await rm(temp, { force: true })
    throw error
  }
  await handle.close()
  try {
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
  await syncDirectory(dirname(path))
}

/** fsync a folder so a rename or create inside it survives power loss. No-op where unsupported. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch {
    // Windows cannot open folders for fsync; NTFS journals the rename itself.
  } finally {
    await handle?.close().catch(() => {})
  }
}
