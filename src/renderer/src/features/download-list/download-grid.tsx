import './download-grid.css'
import { defaultRangeExtractor, useVirtualizer } from '@tanstack/react-virtual'
import type { Range } from '@tanstack/react-virtual'
import { useCallback, useDeferredValue, useEffect, useLayoutEffect, useRef, useState } from 'react'
import type { DragEvent, KeyboardEvent } from 'react'
import * as commands from '../../store/commands.ts'
import { useAppStore } from '../../store/app-store.ts'
import {
  askRemove,
  clearSelection,
  moveFocus,
  openMenu,
  selectAll,
  setFocused,
  targetsFor,
} from '../../store/ui-actions.ts'
import { hasDesktopFiles } from '../../lib/desktop.ts'
import { openChecked } from './download-again-row.ts'
import { closeDetails, openDetails, useDetailsStore } from '../details/details-store.ts'
import { t } from '../../strings.ts'
import { isLiveColumn } from '../../store/view-sort.ts'
import type { SortSpec } from '../../store/view-sort.ts'
import { DownloadRow, ROW_HEIGHT } from './download-row.tsx'
import { GridHeader } from './grid-header.tsx'
import { moveInQueue } from './queue-move.ts'
import { ReorderHint } from './reorder-hint.tsx'
import { dragOverRow, dropRows, endRowDrag, ROW_DRAG_TYPE, startRowDrag } from './row-drag.ts'

/** Rows above and below the viewport kept rendered, so fast scrolling shows no gaps. */
const OVERSCAN = 10
/** The sticky column header's height (download-grid.css, .grid__header-row), above the rows. */
export const HEADER_HEIGHT = 32

/**
 * Called for every render of the grid container with the number of rows it lays out: tests
 * check a beat never re-renders it, and that a search draws the new rows in a deferred render.
 */
export const gridRenderProbe: { current: ((rowCount: number) => void) | null } = {
  current: null,
}

/**
 * The download list: an ARIA grid (rows hold buttons, which a listbox may not), virtualized
 * with fixed-height rows so 10,000 downloads cost the same to draw as 20. It re-renders when
 * the visible ids, the selection or the focus change, never on a progress beat.
 */
export function DownloadGrid() {
  // A search or a filter can swap every row on screen: the grid draws the new rows in a
  // deferred render React slices into ~5 ms pieces and drops for a newer keystroke, while the
  // search box and the counts update at once (bench:ui counted a long task after a search).
  const ids = useDeferredValue(useAppStore((s) => s.view.visibleIds))
  const selected = useAppStore((s) => s.ui.selected)
  const focusedId = useAppStore((s) => s.ui.focusedId)
  const sort = useAppStore((s) => s.ui.sort)
  const scrollRef = useRef<HTMLDivElement>(null)
  gridRenderProbe.current?.(ids.length)
  const focusedIndex = focusedId === null ? -1 : ids.indexOf(focusedId)

  const getItemKey = useCallback((index: number) => ids[index] ?? index, [ids])
  // The focused row stays mounted however far the list scrolls, so keyboard focus is never lost.
  const rangeExtractor = useCallback(
    (range: Range) => {
      const indexes = defaultRangeExtractor(range)
      if (focusedIndex >= 0 && !indexes.includes(focusedIndex))
        return [...indexes, focusedIndex].sort((a, b) => a - b)
      return indexes
    },
    [focusedIndex],
  )
  const [initialRect] = useState(() => ({ width: window.innerWidth, height: window.innerHeight }))
  // The first rows drawn are the screen's; the overscan follows once they were painted (a frame
  // later), so the window's first render holds ~14 rows, not ~24 (bench:ui --profile-load).
  const [overscan, setOverscan] = useState(0)
  const hasRows = ids.length > 0
  useEffect(() => {
    if (overscan !== 0 || !hasRows) return
    let timer: ReturnType<typeof setTimeout> | undefined
    const frame = requestAnimationFrame(() => (timer = setTimeout(() => setOverscan(OVERSCAN))))
    return () => {
      cancelAnimationFrame(frame)
      clearTimeout(timer)
    }
  }, [overscan, hasRows])
  // No React Compiler here: the virtualizer's unstable function identities are expected.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: ids.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan,
    getItemKey,
    rangeExtractor,
    useFlushSync: false,
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    // The window's size until the list's own is measured, so the first render already draws
    // the rows a screen holds: without it the list rendered empty, was measured (a forced
    // layout of the whole page) and rendered again with its rows (bench:ui --profile-load).
    initialRect,
  })

  // Keyboard moves: bring the focused row into view and give it DOM focus.
  const keyboardMove = useRef(false)
  useEffect(() => {
    if (!keyboardMove.current || focusedIndex < 0) return
    keyboardMove.current = false
    virtualizer.scrollToIndex(focusedIndex, { align: 'auto' })
    requestAnimationFrame(() =>
      scrollRef.current
        ?.querySelector<HTMLElement>(`[role="row"][data-id="${CSS.escape(focusedId!)}"]`)
        ?.focus({ preventScroll: true }),
    )
  }, [focusedIndex, focusedId, virtualizer])

  // A removed row (Delete → Enter, the row's Remove) takes keyboard focus with it to <body>, and
  // the next Tab went to the status bar: focus goes to the row that took its place (or the new
  // last row), as it does in a file manager's list.
  const lastFocus = useRef<{ id: string; index: number } | null>(null)
  useEffect(() => {
    if (focusedId !== null && focusedIndex >= 0) {
      lastFocus.current = { id: focusedId, index: focusedIndex }
      return
    }
    const last = lastFocus.current
    if (focusedId !== null || last === null || ids.length === 0) return
    if (useAppStore.getState().downloads.byId[last.id] !== undefined) return
    // The deferred list may still hold the removed row for a render: wait for the new one.
    if (ids.includes(last.id)) return
    const active = document.activeElement
    if (active !== null && active !== document.body && !scrollRef.current?.contains(active)) return
    lastFocus.current = null
    keyboardMove.current = true
    setFocused(ids[Math.min(last.index, ids.length - 1)]!)
  }, [focusedId, focusedIndex, ids])

  // A live re-sort (speed, progress, time left: once a second) keeps the focused row where the
  // person sees it: the list scrolls by as many rows as the focused one moved.
  const lastIds = useRef<{ ids: readonly string[]; sort: SortSpec }>({ ids, sort })
  useLayoutEffect(() => {
    const before = lastIds.current
    lastIds.current = { ids, sort }
    const scroller = scrollRef.current
    if (before.ids === ids || before.sort !== sort || !isLiveColumn(sort.column)) return
    if (scroller === null || focusedId === null || keyboardMove.current) return
    const from = before.ids.indexOf(focusedId)
    const to = ids.indexOf(focusedId)
    const top = from * ROW_HEIGHT
    const inView = top >= scroller.scrollTop && top < scroller.scrollTop + scroller.clientHeight
    if (from >= 0 && to >= 0 && from !== to && inView)
      scroller.scrollTop += (to - from) * ROW_HEIGHT
  }, [ids, sort, focusedId])

  const rowAt = (event: DragEvent): HTMLElement | null =>
    (event.target as HTMLElement).closest<HTMLElement>('[role="row"][data-id]')
  const onDragStart = (event: DragEvent): void => {
    const id = rowAt(event)?.dataset['id']
    if (id === undefined) return
    const dragging = startRowDrag(id)
    if (dragging === null) {
      event.preventDefault()
      return
    }
    event.dataTransfer.effectAllowed = 'move'
    event.dataTransfer.setData(ROW_DRAG_TYPE, JSON.stringify(dragging))
  }
  const onDragOver = (event: DragEvent): void => {
    // Links and files dragged in from outside go on to the window's drop (the add dialog).
    if (!event.dataTransfer.types.includes(ROW_DRAG_TYPE)) return
    event.preventDefault()
    event.dataTransfer.dropEffect = 'move'
    const row = rowAt(event)
    const box = row?.getBoundingClientRect()
    dragOverRow(
      row && box
        ? {
            id: row.dataset['id']!,
            where: event.clientY < box.top + box.height / 2 ? 'before' : 'after',
          }
        : null,
    )
  }
  const onDrop = (event: DragEvent): void => {
    if (!event.dataTransfer.types.includes(ROW_DRAG_TYPE)) return
    event.preventDefault()
    event.stopPropagation()
    void dropRows()
  }

  const onKeyDown = (event: KeyboardEvent): void => {
    // The header's sort buttons and list take their own keys.
    if ((event.target as HTMLElement).closest('.grid__head')) return
    const mod = event.ctrlKey || event.metaKey
    const move = (delta: number): void => {
      event.preventDefault()
      keyboardMove.current = true
      moveFocus(delta, event.shiftKey)
    }
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 600) / ROW_HEIGHT) - 1)
    // Alt+Up/Down moves the focused download in the queue (the engine's `move`).
    if (event.altKey && focusedId !== null && /^Arrow(Up|Down)$/.test(event.key)) {
      event.preventDefault()
      keyboardMove.current = sort.column === 'queue'
      void moveInQueue(focusedId, event.key === 'ArrowUp' ? -1 : 1)
      return
    }
    switch (event.key) {
      case 'ArrowDown':
        return move(1)
      case 'ArrowUp':
        // From the first row up into the header row (its sort controls).
        if (focusedIndex <= 0 && !event.shiftKey) {
          event.preventDefault()
          scrollRef.current?.querySelector<HTMLElement>('.grid__head button')?.focus()
          return
        }
        return move(-1)
      case 'PageDown':
        return move(page)
      case 'PageUp':
        return move(-page)
      case 'Home':
        return move(-Infinity)
      case 'End':
        return move(Infinity)
      case ' ':
        event.preventDefault()
        void commands.toggle(
          targetsFor(null).length ? targetsFor(null) : focusedId ? [focusedId] : [],
        )
        return
      case 'Delete':
      case 'Backspace':
        event.preventDefault()
        askRemove(targetsFor(null).length ? targetsFor(null) : focusedId ? [focusedId] : [])
        return
      case 'Escape':
        if (useDetailsStore.getState().openId !== null) return closeDetails()
        clearSelection()
        return
      case 'Enter':
        // Enter opens a completed file (desktop), else the row's details.
        if (focusedId === null || (event.target as HTMLElement).closest('button')) return
        event.preventDefault()
        if (
          hasDesktopFiles() &&
          useAppStore.getState().downloads.byId[focusedId]?.state === 'completed'
        )
          void openChecked(focusedId, 'open')
        else openDetails(focusedId)
        return
      case 'ContextMenu':
      case 'F10':
        if (event.key === 'F10' && !event.shiftKey) return
        if (focusedId === null) return
        event.preventDefault()
        {
          const row = scrollRef.current?.querySelector<HTMLElement>(
            `[data-id="${CSS.escape(focusedId)}"]`,
          )
          const box = row?.getBoundingClientRect()
          openMenu(focusedId, (box?.left ?? 0) + 48, (box?.bottom ?? 0) - 8)
        }
        return
      case 'a':
      case 'A':
        if (!mod) return
        event.preventDefault()
        selectAll()
        return
    }
  }

  // The grid's one tab stop: the focused row, or the first row when none is focused yet.
  const tabStop = focusedIndex >= 0 ? focusedId : (ids[0] ?? null)
  const items = virtualizer.getVirtualItems()
  return (
    <>
      <ReorderHint />
      <div
        ref={scrollRef}
        className="grid-scroll"
        onFocus={(event) => {
          const row = (event.target as HTMLElement).closest<HTMLElement>('[role="row"][data-id]')
          if (row?.dataset['id']) setFocused(row.dataset['id'])
        }}
      >
        <div
          role="grid"
          aria-label={t.listLabel}
          aria-multiselectable="true"
          aria-rowcount={ids.length + 1}
          className="grid"
          onKeyDown={onKeyDown}
        >
          <div role="rowgroup" className="grid__head">
            <GridHeader />
          </div>
          <div
            role="rowgroup"
            className="grid__body"
            style={{ height: virtualizer.getTotalSize() }}
            onDragStart={onDragStart}
            onDragOver={onDragOver}
            onDragLeave={(event) => {
              if (!event.currentTarget.contains(event.relatedTarget as Node | null))
                dragOverRow(null)
            }}
            onDrop={onDrop}
            onDragEnd={endRowDrag}
          >
            {items.map((item) => {
              const id = ids[item.index]!
              return (
                <DownloadRow
                  key={id}
                  id={id}
                  index={item.index}
                  top={item.start - HEADER_HEIGHT}
                  selected={selected.has(id)}
                  focused={id === tabStop}
                />
              )
            })}
          </div>
        </div>
      </div>
    </>
  )
}
