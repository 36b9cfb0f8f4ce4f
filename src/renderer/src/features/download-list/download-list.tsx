import './download-list.css'
import { useId } from 'react'
import { useAppStore } from '../../store/app-store.ts'
import { t } from '../../strings.ts'
import { DownloadGrid } from './download-grid.tsx'
import { EmptyState } from './empty-state.tsx'
import { addingText } from '../add/add-in-background.ts'
import { useDetailsStore } from '../details/details-store.ts'

/**
 * The download area: the grid is always there (the "Downloads" landmark never moves); when it
 * has no rows, the empty state says how to fill it, or that the filter matches nothing.
 */
export function DownloadList() {
  const hintId = useId()
  const total = useAppStore((s) => s.view.counts.all)
  const visible = useAppStore((s) => s.view.visibleIds.length)
  const adding = useAppStore(addingText)
  // Open details narrow the list beside them (download-list.css): the panel covered the row's
  // buttons.
  const detailsOpen = useDetailsStore((s) => s.openId !== null)
  return (
    <div
      className="download-list"
      data-details-open={detailsOpen || undefined}
      aria-describedby={visible === 0 ? hintId : undefined}
    >
      {adding !== null && (
        <p className="notice banner adding-progress" role="status">
          {adding}
        </p>
      )}
      <DownloadGrid />
      {visible === 0 &&
        (total === 0 ? (
          <EmptyState hintId={hintId} />
        ) : (
          <EmptyState hintId={hintId} heading={t.noMatchHeading} hint={t.noMatchHint} />
        ))}
    </div>
  )
}
