import { useId } from 'react'
import { EmptyState } from './empty-state.tsx'

/**
 * The download list. It has no rows yet: the list itself is present from the start so the
 * "Downloads" landmark never moves, and the empty state explains how to fill it.
 */
export function DownloadList() {
  const hintId = useId()
  return (
    <div className="download-list">
      <div
        role="list"
        aria-label="Downloads"
        aria-describedby={hintId}
        className="download-list__rows"
      />
      <EmptyState hintId={hintId} />
    </div>
  )
}
