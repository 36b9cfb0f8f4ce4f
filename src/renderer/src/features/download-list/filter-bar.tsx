import './filter-bar.css'
import { formatCount } from '../../../../shared/format.ts'
import { Icon } from '../../components/icon.tsx'
import { useAppStore } from '../../store/app-store.ts'
import { FILTERS } from '../../store/download-view.ts'
import type { FilterKind } from '../../store/download-view.ts'
import { setFilter, setSearch } from '../../store/ui-actions.ts'
import { t } from '../../strings.ts'
import { SortSelect } from './grid-header.tsx'

function FilterButton({ kind }: { readonly kind: FilterKind }) {
  const count = useAppStore((s) => s.view.counts[kind])
  // While a search is typed each tab says how many of its downloads the search finds.
  const found = useAppStore((s) => s.view.found?.counts[kind] ?? null)
  const current = useAppStore((s) => s.ui.filter === kind)
  const figure = found === null ? formatCount(count) : t.foundOf(found, count)
  return (
    <button
      type="button"
      className="filter"
      aria-pressed={current}
      aria-label={`${t.filterNames[kind]}, ${figure}`}
      data-kind={kind}
      onClick={() => setFilter(kind)}
    >
      {t.filterNames[kind]}
      <span className="filter__count" data-nonzero={(found ?? count) > 0}>
        {figure}
      </span>
    </button>
  )
}

/** Filters with live counts, and a search box over names and URLs. */
export function FilterBar() {
  const search = useAppStore((s) => s.ui.search)
  return (
    <div className="filter-bar">
      <div role="group" aria-label={t.filters} className="filters">
        {FILTERS.map((kind) => (
          <FilterButton key={kind} kind={kind} />
        ))}
      </div>
      <SortSelect />
      <label className="search">
        <Icon name="search" />
        <span className="visually-hidden">{t.search}</span>
        <input
          type="search"
          placeholder={t.search}
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
      </label>
    </div>
  )
}
