import { t } from '../../strings.ts'
import type { AddDraft } from '../../store/ui-slice.ts'
import { extractLinks } from './parse-dropped.ts'

/** A dropped list file larger than this is refused: a list, not a download, is expected. */
export const MAX_LIST_FILE_BYTES = 50 * 1024 * 1024

/** The parts of a DataTransfer (drop) or clipboard (paste) this reads. */
export type TransferLike = {
  readonly types: readonly string[]
  readonly files: ArrayLike<File>
  getData(format: string): string
}

const LIST_FILE = /\.(txt|csv|tsv|list|lst|html?|uri|urls)$/i

/** Links from HTML, one a line; everything else as text, which the list parser reads. */
function asList(text: string, html: boolean): string {
  return html ? extractLinks(text).join('\n') : text
}

/**
 * What a drop or a paste carries, as an add-dialog draft: files (one list each, read in the
 * page, over 50 MB refused), else `text/uri-list`, else HTML's links, else plain text. Null
 * when it carries nothing Downpour can read.
 */
export async function readTransfer(
  data: TransferLike,
  prefer: 'drop' | 'paste',
): Promise<Partial<AddDraft> | null> {
  const files = Array.from(data.files)
  if (files.length > 0) {
    const texts: string[] = []
    const notes: string[] = []
    for (const file of files) {
      if (file.size > MAX_LIST_FILE_BYTES) {
        notes.push(t.addDialog.fileTooLarge(file.name, MAX_LIST_FILE_BYTES / 1024 / 1024))
        continue
      }
      if (!LIST_FILE.test(file.name) && !file.type.startsWith('text/')) {
        notes.push(t.addDialog.fileUnreadable(file.name, 'not a .txt, .csv or .html list'))
        continue
      }
      try {
        const text = await file.text()
        texts.push(asList(text, /\.html?$/i.test(file.name) || file.type === 'text/html'))
      } catch (error) {
        notes.push(t.addDialog.fileUnreadable(file.name, (error as Error).message))
      }
    }
    return { text: texts.join('\n'), notes }
  }
  const types = data.types
  // A paste is what the person copied as text; a drop from a page is best read as its links.
  const order =
    prefer === 'paste'
      ? ['text/plain', 'text/uri-list', 'text/html']
      : ['text/uri-list', 'text/html', 'text/plain']
  for (const type of order) {
    if (!types.includes(type)) continue
    const value = data.getData(type)
    if (value.trim() === '') continue
    return { text: asList(value, type === 'text/html'), notes: [] }
  }
  return null
}
