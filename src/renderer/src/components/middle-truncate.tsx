import './middle-truncate.css'
import { splitMiddle } from '../lib/split-middle.ts'

/**
 * A path or URL on one line whose middle gives way ("/home/me/…/Downloads"): both ends stay
 * readable. The cut is CSS only, so the whole text stays in the DOM (read by screen readers,
 * copied whole); the caller puts it, or more, in a title.
 */
export function MiddleTruncate({
  text,
  className,
}: {
  readonly text: string
  readonly className?: string
}) {
  const { head, tail } = splitMiddle(text)
  return (
    <span className={`middle-truncate ${className ?? ''}`}>
      <span className="middle-truncate__head">{head}</span>
      <span className="middle-truncate__tail">{tail}</span>
    </span>
  )
}
