import { decodeListBytes } from '../../../../shared/list/decode-list-bytes.ts'
import { extractHtmlLinks } from '../../../../shared/list/extract-html-links.ts'
import {
  EMPTY_LIST,
  joinLists,
  linkLines,
  numberLinks,
} from '../../../../shared/list/join-lists.ts'
import { guessListFormat } from '../../../../shared/list/parse-list.ts'
import type { ParsedList } from '../../../../shared/list/parsed-list.ts'
import { t } from '../../strings.ts'
import type { AddDraft } from '../../store/ui-slice.ts'

/** A dropped list file larger than this is refused: a list, not a download, is expected. */
export const MAX_LIST_FILE_BYTES = 50 * 1024 * 1024

/** The parts of a DataTransfer (drop) or clipboard (paste) this reads. */
export type TransferLike = {
  readonly types: readonly string[]
  readonly files: ArrayLike<File>
  getData(format: string): string
}

const LIST_FILE = /\.(txt|csv|tsv|list|lst|html?|uri|urls)$/i

/**
 * An HTML source's links, read once by the shared parser and kept so (the draft's `dropped`,
 * numbered one a line); links that cannot be downloaded become notes.
 */
function linksOf(html: string, notes: string[]): ParsedList {
  const links = extractHtmlLinks(html)
  for (const problem of links.problems.slice(0, 5))
    notes.push(`${t.addDialog.htmlLink(problem.line)}: ${problem.message}`)
  if (links.problems.length > 5) notes.push(t.addDialog.moreHtmlProblems(links.problems.length - 5))
  return numberLinks(links)
}

/** `b`'s links after `a`'s. */
function addLinks(a: ParsedList, b: ParsedList): ParsedList {
  return joinLists(a, b, linkLines(a))
}

/**
 * What a drop or a paste carries, as an add-dialog draft: files (one list each, read in the
 * page, over 50 MB refused), else `text/uri-list`, else HTML's links, else plain text. Text
 * goes to the draft's text, where it can be edited; HTML's links, read here, go to its
 * `dropped` as read. Null when it carries nothing Downpour can read.
 */
export async function readTransfer(
  data: TransferLike,
  prefer: 'drop' | 'paste',
): Promise<Partial<AddDraft> | null> {
  const files = Array.from(data.files)
  if (files.length > 0) {
    const texts: string[] = []
    let dropped = EMPTY_LIST
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
        const decoded = decodeListBytes(new Uint8Array(await file.arrayBuffer()))
        if (!decoded.ok) {
          notes.push(t.addDialog.fileUnreadable(file.name, decoded.problem))
          continue
        }
        if (guessListFormat(decoded.text, file.type) === 'html')
          dropped = addLinks(dropped, linksOf(decoded.text, notes))
        else texts.push(decoded.text)
      } catch (error) {
        notes.push(t.addDialog.fileUnreadable(file.name, (error as Error).message))
      }
    }
    return { text: texts.join('\n'), dropped, notes }
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
    const notes: string[] = []
    if (type === 'text/html') return { text: '', dropped: linksOf(value, notes), notes }
    return { text: value, dropped: EMPTY_LIST, notes }
  }
  return null
}
