/** How many characters the kept end may hold before it is cut itself (from its start). */
const MAX_TAIL = 28

/**
 * A path or URL cut in two for a middle-truncated line (components/middle-truncate.tsx): the
 * head gives way to an ellipsis, the tail stays whole. The tail is the last path segment (the
 * folder or file the text names), or its last characters when that segment is long or there
 * is none; `head + tail` is always the whole text.
 */
export function splitMiddle(text: string): { head: string; tail: string } {
  const trimmed = text.endsWith('/') ? text.slice(0, -1) : text
  const slash = trimmed.lastIndexOf('/')
  let cut = slash < 0 ? text.length - Math.min(MAX_TAIL, Math.floor(text.length / 2)) : slash + 1
  if (text.length - cut > MAX_TAIL) cut = text.length - MAX_TAIL
  return { head: text.slice(0, cut), tail: text.slice(cut) }
}
