import { writeFileAtomic } from '../engine/storage/atomic-file.ts'
import { removeStaleTempsOf } from '../engine/storage/stale-temps.ts'

/**
 * aria2's `--save-session FILE`: on exit, the downloads of the run that did not complete, in
 * aria2's input-file format, so `downpour get -i FILE` (or `aria2c -i FILE`) takes them up again.
 * A download read from an input file is written back as it was read — every mirror of its line
 * and every option line, those Downpour does not apply included — so nothing of the person's
 * list is lost by passing through a run.
 */

/** Where a download came from in an input file: its line's URLs and the lines read for it. */
export type EntrySource = {
  /** Every URL of its line (TAB-separated mirrors), the downloaded one first. */
  urls: string[]
  /** The URL line and its option lines as read (null: not kept, the run saves no session). */
  block: string | null
}

/**
 * Each entry's lines of an input file, by its URL line's number: the URL line and the indented
 * option lines under it (comments among them kept; blank lines end it).
 */
export function inputBlocks(text: string): Map<number, string> {
  const blocks = new Map<number, string>()
  const lines = text.split(/\r\n|\r|\n/)
  let at = 0
  let block: string[] = []
  const close = () => {
    if (at > 0) blocks.set(at, block.join('\n'))
    at = 0
  }
  for (const [i, raw] of lines.entries()) {
    const trimmed = raw.trim()
    if (trimmed === '') close()
    else if (/^\s/.test(raw) || trimmed.startsWith('#')) {
      if (at > 0) block.push(raw)
    } else {
      close()
      at = i + 1
      block = [raw]
    }
  }
  close()
  return blocks
}

/** One download to save: its URL, where it came from, and the `-o` name given for it. */
export type SessionItem = { url: string; source?: EntrySource; out?: string }

/** The session file's text: one entry per item, in order (empty when all completed). */
export function sessionText(items: readonly SessionItem[]): string {
  return items
    .map(({ url, source, out }) => {
      if (source?.block) return `${source.block}\n`
      const line = source ? source.urls.join('\t') : url
      return out === undefined ? `${line}\n` : `${line}\n out=${out}\n`
    })
    .join('')
}

/**
 * Writes the file whole or not at all (`writeFileAtomic`: a new temp beside it, never through
 * a link, fsynced, renamed over, the folder fsynced). A kill before the rename leaves the
 * earlier session file as it was, and the temp, named for the dead process: this write removes
 * such temps of the same file first (a live run's are left to it), so a crash leaves at most
 * one until the next `--save-session` to that file. Mode 0600: option lines may carry
 * `http-passwd=` or a `header=` with a token.
 */
export async function writeSessionFile(path: string, text: string): Promise<void> {
  await removeStaleTempsOf(path)
  await writeFileAtomic(path, text)
}
