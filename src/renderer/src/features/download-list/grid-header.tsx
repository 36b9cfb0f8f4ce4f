import { useAppStore } from '../../store/app-store.ts'
import { nextSort, QUEUE_ORDER, SORT_COLUMNS } from '../../store/view-sort.ts'
import type { SortColumn, SortDirection, SortSpec } from '../../store/view-sort.ts'
import { t } from '../../strings.ts'
import { updateUiPreferences } from '../settings/ui-preferences.ts'

/** Sorts the list: the engine keeps the choice, so a reload and every other window follow. */
export function sortBy(sort: SortSpec): void {
  void updateUiPreferences({ sort })
}

type HeaderColumn = 'name' | 'progress' | 'speed' | 'eta'

/**
 * A column header that sorts: a button (keyboard operable as any button) inside the
 * `columnheader`, which carries `aria-sort` while the list is sorted by it. Clicking sorts,
 * again reverses, a third time returns to queue order.
 */
function SortHeader({ column, sort }: { readonly column: HeaderColumn; readonly sort: SortSpec }) {
  const active = sort.column === column
  const ariaSort = active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : undefined
  return (
    <div role="columnheader" aria-sort={ariaSort} className={`row__${column}`}>
      <button
        type="button"
        className="sort-header"
        data-active={active}
        onClick={() => sortBy(nextSort(sort, column))}
      >
        {t.columns[column]}
        <span className="sort-header__arrow" aria-hidden="true">
          {active ? (sort.direction === 'asc' ? '▲' : '▼') : ''}
        </span>
      </button>
    </div>
  )
}

const optionValue = (column: SortColumn, direction: SortDirection) => `${column}:${direction}`

/**
 * The header row. Name, progress, speed and time left sort by their header; every sort (size,
 * status and date added have no column of their own) is in the "Sort by" list, in both
 * directions.
 */
export function GridHeader() {
  const sort = useAppStore((s) => s.ui.sort)
  return (
    <div role="row" aria-rowindex={1} className="grid__header-row">
      <SortHeader column="name" sort={sort} />
      <SortHeader column="progress" sort={sort} />
      <SortHeader column="speed" sort={sort} />
      <SortHeader column="eta" sort={sort} />
      <div role="columnheader" className="row__actions" aria-label={t.sort.label}>
        <select
          className="sort-select"
          aria-label={t.sort.label}
          title={t.sort.label}
          value={optionValue(sort.column, sort.direction)}
          onChange={(event) => {
            const [column, direction] = event.target.value.split(':') as [SortColumn, SortDirection]
            sortBy(column === 'queue' ? QUEUE_ORDER : { column, direction })
          }}
        >
          {SORT_COLUMNS.map((column) =>
            column === 'queue' ? (
              <option key={column} value={optionValue('queue', 'asc')}>
                {t.sort.columns.queue}
              </option>
            ) : (
              (['asc', 'desc'] as const).map((direction) => (
                <option key={`${column}:${direction}`} value={optionValue(column, direction)}>
                  {`${t.sort.columns[column]}, ${t.sort.directions[column][direction]}`}
                </option>
              ))
            ),
          )}
        </select>
      </div>
    </div>
  )
}
