import { lstat } from 'node:fs/promises'
import { join } from 'node:path'
import type { DownloadRecord } from '../model/download-record.ts'

/** lstat calls in flight at once: the thread pool has 4 threads, transfers need some too. */
const PARALLEL = 4
/** Files looked at between two yields, so the heartbeat and commands are never held up. */
const PART = 64

/**
 * Which completed downloads' files are gone: a fact looked up, never stored (the queue file
 * says what was downloaded; the disk says what is there now), so it is checked at start-up,
 * in the background, and again whenever a client asks (`checkFiles`: Open, Show, a row shown).
 * Only "no such file" counts as missing: a file that cannot be looked at (a permission, an
 * unplugged disk's EIO) is not said to be gone.
 */
export class MissingFiles {
  #missing = new Set<string>()

  has(id: string): boolean {
    return this.#missing.has(id)
  }

  /** Forgets a download that left the queue or is being downloaded again. */
  forget(id: string): void {
    this.#missing.delete(id)
  }

  /**
   * Looks at each completed download's file (others are skipped and forgotten) and calls
   * `changed` for each whose fact changed, after each part. Answers the ids found missing.
   */
  async check(
    records: readonly DownloadRecord[],
    changed: (ids: DownloadRecord[]) => void,
  ): Promise<string[]> {
    const missing: string[] = []
    for (let start = 0; start < records.length; start += PART) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve))
      const part = records.slice(start, start + PART)
      const found = await mapLimited(part, PARALLEL, (record) => isGone(record))
      const flipped: DownloadRecord[] = []
      part.forEach((record, i) => {
        const gone = found[i] === true
        if (gone) missing.push(record.id)
        if (gone !== this.#missing.has(record.id)) {
          if (gone) this.#missing.add(record.id)
          else this.#missing.delete(record.id)
          flipped.push(record)
        }
      })
      if (flipped.length > 0) changed(flipped)
    }
    return missing
  }
}

/** Null for a download that is not completed (nothing to look for). */
async function isGone(record: DownloadRecord): Promise<boolean | null> {
  if (record.state !== 'completed') return null
  try {
    await lstat(join(record.dir, record.name))
    return false
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT' || code === 'ENOTDIR'
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>) {
  const out: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
