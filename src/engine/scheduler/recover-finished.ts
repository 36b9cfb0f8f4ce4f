import { lstat, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { hashFile } from '../checksum/hash-file.ts'
import { PART_SUFFIX } from '../storage/control-file.ts'
import type { DownloadRecord } from '../model/download-record.ts'

/**
 * Whether a download the queue still calls running actually finished before the engine died:
 * the final rename happened (kill -9 between it and the coalesced queue save). True when its
 * `.part` is gone and the final file has the expected size — and the expected checksum, when
 * it has one. Without a known size nothing can be proven, and the download runs again.
 */
export async function finishedOnDisk(record: DownloadRecord): Promise<boolean> {
  if (!record.nameChosen || record.size === null) return false
  const final = join(record.dir, record.name)
  if (await exists(final + PART_SUFFIX)) return false
  let size: number
  try {
    // lstat: a symlink planted at the name proves nothing about this download.
    const info = await lstat(final)
    if (!info.isFile()) return false
    size = info.size
  } catch {
    return false
  }
  if (size !== record.size) return false
  if (record.checksum) {
    const actual = await hashFile(final, record.checksum.algorithm).catch(() => null)
    if (actual !== record.checksum.hex.toLowerCase()) return false
  }
  return true
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT'
  }
}
