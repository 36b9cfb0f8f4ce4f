import { useEffect } from 'react'
import { Icon } from '../../components/icon.tsx'
import { followLiveSort } from '../../store/live-resort.ts'
import { t } from '../../strings.ts'
import { dismissReorderHint, showQueueOrder, useRowDrag } from './row-drag.ts'

/**
 * Says why a drag or Alt+arrow moved nothing (the list is sorted) and offers queue order back.
 * Also where the live re-sort is followed: both belong to the list being sorted.
 */
export function ReorderHint() {
  const hint = useRowDrag((s) => s.hint)
  useEffect(() => followLiveSort(), [])
  return (
    <div role="status" className="reorder-hint-region">
      {hint !== null && (
        <div className="notice banner reorder-hint">
          <Icon name="alert" />
          <span>{hint}</span>
          <button type="button" className="button" onClick={showQueueOrder}>
            {t.sort.backToQueueOrder}
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label={t.sort.dismiss}
            onClick={dismissReorderHint}
          >
            <Icon name="clear" />
          </button>
        </div>
      )}
    </div>
  )
}
