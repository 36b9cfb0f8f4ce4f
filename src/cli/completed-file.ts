import { lstatSync } from 'node:fs'
import { lstat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { hashFile } from '../engine/checksum/hash-file.ts'
import type { DownloadSnapshot } from '../shared/protocol/model.ts'

/**
 * What a rerun finds at a completed download's name: 'ok' when it is still the file that was
 * completed — a regular file of the size completed, with the checksum given now if one is —
 * 'missing', or why it is not (the rerun says that and downloads it again). Anything can have
 * happened to it since (`: > file`, an editor, a disk error): its name alone proves nothing.
 */
export async function checkCompletedFile(
  download: DownloadSnapshot,
): Promise<'ok' | 'missing' | { problem: string; replaceable: boolean }> {
  const path = join(download.dir, download.name)
  let info
  try {
    // On this thread, as fileExists: a rerun of a long list checks thousands of completed files.
    info = lstatSync(path, { throwIfNoEntry: false })
  } catch (error) {
    return { problem: `cannot be read (${(error as Error).message})`, replaceable: false }
  }
  if (!info) return 'missing'
  if (!info.isFile()) return { problem: 'is no longer a regular file', replaceable: false }
  if (download.size !== null && info.size !== download.size) {
    return {
      problem: `is ${info.size} bytes, not the ${download.size} downloaded`,
      replaceable: true,
    }
  }
  const checksum = download.checksum
  if (checksum) {
    const actual = await hashFile(path, checksum.algorithm).catch((error: Error) => error)
    if (actual instanceof Error)
      return { problem: `cannot be read (${actual.message})`, replaceable: false }
    if (actual !== checksum.hex.toLowerCase()) {
      return {
        problem: `has ${checksum.algorithm} ${actual}, not the ${checksum.hex.toLowerCase()} given`,
        replaceable: true,
      }
    }
  }
  return 'ok'
}

/**
 * Deletes the completed download's file that proved wrong, so that fetching it again puts the
 * right bytes under its name (not a `name (1)` beside the wrong ones). Only a regular file: the
 * record says Downpour wrote that name; a folder or link there is left alone.
 */
export async function removeWrongFile(download: DownloadSnapshot): Promise<void> {
  const path = join(download.dir, download.name)
  const info = await lstat(path).catch(() => null)
  if (info?.isFile()) await unlink(path).catch(() => {})
}
