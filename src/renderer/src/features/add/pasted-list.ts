import { formatCount } from '../../../../shared/format.ts'

/**
 * A paste this long is taken by the app, not by the textarea: pasting 10,000 lines into a
 * textarea froze Chromium for 4–5 minutes (its editing machinery, not our code: a plain
 * textarea took 252 s too), while a drop of the same list took 0.6 s. Below this, the textarea
 * takes the paste as usual (its undo, its caret).
 */
export const PASTE_LINES_IN_TEXTAREA = 200
/** …or this many characters on fewer, very long lines. */
export const PASTE_CHARS_IN_TEXTAREA = 20_000

/** Whether a pasted text is long enough for the app to keep it beside the textarea. */
export function takesPaste(text: string): boolean {
  if (text.length > PASTE_CHARS_IN_TEXTAREA) return true
  let lines = 1
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1))
    if (++lines > PASTE_LINES_IN_TEXTAREA) return true
  return false
}

/** Lines in a text as the list reader counts them (a final line break ends the last line). */
export function lineCount(text: string): number {
  if (text === '') return 0
  let lines = 1
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++
  return text.endsWith('\n') ? lines - 1 : lines
}

/** The pasted lists and the textarea's text, as one list for the preview (pasted first). */
export function withPasted(pasted: readonly string[], typed: string): string {
  if (pasted.length === 0) return typed
  const parts = pasted.map((p) => (p.endsWith('\n') ? p.slice(0, -1) : p))
  return typed === '' ? parts.join('\n') : `${parts.join('\n')}\n${typed}`
}

/** The words of the line for dropped links (a page's, an HTML file's), kept as read. */
export const droppedWords = {
  dropped: (links: number) =>
    `${formatCount(links)} dropped ${links === 1 ? 'link' : 'links'}, in the preview below`,
  remove: 'Remove dropped links',
}

/** The words of the pasted-list line (kept here to keep strings.ts merges small). */
export const pastedWords = {
  pasted: (lines: number) =>
    `${formatCount(lines)} pasted ${lines === 1 ? 'line' : 'lines'}, in the preview below`,
  remove: 'Remove pasted lines',
}
