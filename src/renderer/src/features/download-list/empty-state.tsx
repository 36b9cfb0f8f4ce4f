import './empty-state.css'
import { t } from '../../strings.ts'

export const emptyStateHeading = t.emptyHeading
export const emptyStateHint = t.emptyHint

/** What the download area shows before anything was added (or when a filter matches nothing). */
export function EmptyState({
  hintId,
  heading = t.emptyHeading,
  hint = t.emptyHint,
}: {
  readonly hintId: string
  readonly heading?: string
  readonly hint?: string
}) {
  return (
    <div className="empty-state">
      <svg
        className="empty-state__art"
        viewBox="0 0 96 96"
        width="96"
        height="96"
        aria-hidden="true"
        focusable="false"
      >
        <path className="empty-state__drop" d="M34 10c4 5 7 9 7 13a7 7 0 0 1-14 0c0-4 3-8 7-13Z" />
        <path
          className="empty-state__drop"
          d="M62 22c3 3.8 5 6.8 5 9.6a5 5 0 0 1-10 0c0-2.8 2-5.8 5-9.6Z"
        />
        <path
          className="empty-state__drop"
          d="M48 34c2.4 3 4 5.4 4 7.6a4 4 0 0 1-8 0c0-2.2 1.6-4.6 4-7.6Z"
        />
        <path
          className="empty-state__tray"
          d="M16 58h18l5 8h18l5-8h18v18a6 6 0 0 1-6 6H22a6 6 0 0 1-6-6V58Z"
        />
      </svg>
      <h2 className="empty-state__heading">{heading}</h2>
      <p className="empty-state__hint" id={hintId}>
        {hint}
      </p>
    </div>
  )
}
