import { open, rename, rm } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'

/**
 * Replaces `path` with `data` so that after a crash at any moment the file holds either the old
 * or the new content, never a mix: write a temp file, fsync it, rename over, fsync the folder
 * (so the rename itself is durable).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${tempCounter++}.tmp`)
  const handle = await open(temp, 'w', 0o600)
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

let tempCounter = 0

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
