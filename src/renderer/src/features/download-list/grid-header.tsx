import type { KeyboardEvent } from 'react'
import { useAppStore } from '../../store/app-store.ts'
import { nextSort, QUEUE_ORDER, SORT_COLUMNS } from '../../store/view-sort.ts'
import type { SortColumn, SortDirection, SortSpec } from '../../store/view-sort.ts'
import { t } from '../../strings.ts'
import { updateUiPreferences } from '../settings/ui-preferences.ts'

/** Sorts the list: the engine keeps the choice, so a reload and every other window follow. */
export function sortBy(sort: SortSpec): void {
  void updateUiPreferences({ sort })
}

type HeaderColumn = 'name' | 'size' | 'progress' | 'speed' | 'eta' | 'added'

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
        tabIndex={-1}
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

/**
 * The header is the grid's first row, inside its one tab stop: ArrowUp from the first row comes
 * here (download-grid.tsx), Left/Right move between the header's controls, Down goes back to
 * the rows.
 */
function onHeaderKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
  const controls = [...event.currentTarget.querySelectorAll<HTMLElement>('button, select')]
  const at = controls.indexOf(event.target as HTMLElement)
  const go = (index: number): void => {
    event.preventDefault()
    controls[Math.max(0, Math.min(controls.length - 1, index))]?.focus()
  }
  if (event.key === 'ArrowRight') return go(at + 1)
  if (event.key === 'ArrowLeft') return go(at - 1)
  if (event.key === 'ArrowDown' && (event.target as HTMLElement).tagName !== 'SELECT') {
    event.preventDefault()
    event.currentTarget
      .closest('[role="grid"]')
      ?.querySelector<HTMLElement>('[role="row"][data-id][tabindex="0"]')
      ?.focus()
  }
}

const optionValue = (column: SortColumn, direction: SortDirection) => `${column}:${direction}`

/**
 * The header row. Name, size, progress, speed, time left and date added sort by their header
 * (size and added are shown in wide lists only); every sort (status has no column) is in the
 * "Sort by" list of the filter bar (`SortSelect`), in both directions.
 */
export function GridHeader() {
  const sort = useAppStore((s) => s.ui.sort)
  return (
    <div role="row" aria-rowindex={1} className="grid__header-row" onKeyDown={onHeaderKeyDown}>
      <SortHeader column="name" sort={sort} />
      <SortHeader column="size" sort={sort} />
      <SortHeader column="progress" sort={sort} />
      <SortHeader column="speed" sort={sort} />
      <SortHeader column="eta" sort={sort} />
      <SortHeader column="added" sort={sort} />
      <div role="columnheader" className="row__actions">
        <span className="visually-hidden">{t.actionsColumn}</span>
      </div>
    </div>
  )
}

/**
 * Every sort in both directions. In the filter bar, not in the grid's last column: there it was
 * cut to "Progress, most" (the column is as wide as three row buttons).
 */
export function SortSelect() {
  const sort = useAppStore((s) => s.ui.sort)
  return (
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
  )
}
