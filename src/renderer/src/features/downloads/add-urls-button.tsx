import { Tooltip } from '../../components/tooltip.tsx'

export const addUrlsUnavailableText = 'Available once the download engine is connected.'

/**
 * Opens the add-URLs dialog once the engine is connected; until then it is shown disabled.
 * `aria-disabled` rather than `disabled` keeps it focusable, so keyboard users reach the
 * tooltip that explains why.
 */
export function AddUrlsButton() {
  return (
    <Tooltip text={addUrlsUnavailableText}>
      {(describedBy) => (
        <button
          type="button"
          className="button button--primary"
          aria-disabled="true"
          aria-describedby={describedBy}
        >
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
            <path
              d="M8 3v10M3 8h10"
              stroke="currentColor"
              strokeWidth="1.8"
              strokeLinecap="round"
            />
          </svg>
          Add URLs
        </button>
      )}
    </Tooltip>
  )
}
