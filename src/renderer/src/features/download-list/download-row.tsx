import { memo } from 'react'
import type { MouseEvent } from 'react'
import type { DownloadSnapshot } from '../../../../shared/protocol/model.ts'
import { formatBytes, formatDuration } from '../../../../shared/format.ts'
import { FileTypeIcon } from '../../components/file-type-icon.tsx'
import { Icon } from '../../components/icon.tsx'
import { ProgressBar } from '../../components/progress-bar.tsx'
import { useAppStore } from '../../store/app-store.ts'
import { beatClock } from '../../store/download-actions.ts'
import { openMenu, selectRow, setFocused } from '../../store/ui-actions.ts'
import { t } from '../../strings.ts'
import { addedText } from './added-text.ts'
import { isFolderGone, primaryAction, removeAction } from './row-actions.ts'
import { useRowDrag } from './row-drag.ts'
import { useFileLook } from './file-look.ts'
import { useRowNow } from './row-clock.ts'
import { hostOf, isMoving, percentOf, statusLine } from './status-line.ts'

export const ROW_HEIGHT = 60

const selectionSize = (): number => useAppStore.getState().ui.selected.size

export type DownloadRowProps = {
  readonly id: string
  /** 0-based position in the visible list (aria-rowindex is this + 2: the header is row 1). */
  readonly index: number
  readonly selected: boolean
  readonly focused: boolean
  readonly top: number
}

/** Called for every render of a row's content (with its row, or alone on the clock): tests count renders through it. */
export const rowRenderProbe: { current: ((id: string) => void) | null } = { current: null }

/**
 * One download. Given only its id and plain values, it reads its own snapshot from the store,
 * so a beat re-renders exactly the rows whose figures changed.
 */
export const DownloadRow = memo(function DownloadRow({
  id,
  index,
  selected,
  focused,
  top,
}: DownloadRowProps) {
  const download = useAppStore((s) => s.downloads.byId[id])
  const position = useAppStore((s) => s.view.queuePosition.of(id) ?? null)
  const hostBlocked = useAppStore(
    (s) =>
      s.downloads.byId[id]?.state === 'queued' &&
      s.view.running < (s.downloads.settings?.maxConcurrentDownloads ?? Infinity),
  )
  // Only the row under a drag's pointer re-renders as the drop indicator moves.
  const drop = useRowDrag((s) => (s.target?.id === id ? s.target.where : undefined))
  if (!download) return null
  const plain = (event: MouseEvent) => !event.shiftKey && !event.ctrlKey && !event.metaKey
  const onMouseDown = (event: MouseEvent): void => {
    if (event.button !== 0 || (event.target as HTMLElement).closest('button')) return
    if (event.shiftKey) event.preventDefault() // no text selection on Shift-click
    // Pressing on a row of a larger selection may start dragging all of it: the selection
    // shrinks to this row on the click (which a drag never gets), not on the press.
    if (plain(event) && selected && selectionSize() > 1) return setFocused(id)
    selectRow(id, event.shiftKey ? 'range' : event.ctrlKey || event.metaKey ? 'toggle' : 'only')
  }
  const onClick = (event: MouseEvent): void => {
    if (event.button !== 0 || (event.target as HTMLElement).closest('button')) return
    if (plain(event) && selectionSize() > 1) selectRow(id, 'only')
  }
  const onContextMenu = (event: MouseEvent): void => {
    event.preventDefault()
    openMenu(id, event.clientX, event.clientY)
  }
  return (
    <div
      role="row"
      className="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      tabIndex={focused ? 0 : -1}
      data-id={id}
      data-state={download.state}
      data-drop={drop}
      // A drag reorders the queue (row-drag.ts); sorted, it explains why it cannot.
      draggable
      style={{ transform: `translateY(${top}px)` }}
      onMouseDown={onMouseDown}
      onClick={onClick}
      onContextMenu={onContextMenu}
    >
      <RowBody download={download} position={position} hostBlocked={hostBlocked} />
    </div>
  )
})

function RowBody({
  download: d,
  position,
  hostBlocked,
}: {
  download: DownloadSnapshot
  position: number | null
  hostBlocked: boolean
}) {
  // Only a row waiting to retry (its countdown) or running (how long it has had no data, see
  // statusLine) looks at the clock, and re-renders only when its words change with it.
  const statusAt = (at: number) =>
    statusLine(d, { position, hostBlocked, now: at, engineNow: beatClock.engineNow(at) })
  const now = useRowNow(
    d.state === 'retrying' || d.state === 'downloading',
    (at) => `${statusAt(at).text}\n${addedText(d.createdAt, at)}`,
  )
  const status = statusAt(now)
  rowRenderProbe.current?.(d.id)
  const percent = percentOf(d)
  const primary = primaryAction(d.state, d.fileMissing === true, isFolderGone(d))
  useFileLook(d.id, d.state)
  const moving = isMoving(d)
  const sizeText =
    d.size === null
      ? d.done > 0
        ? `${formatBytes(d.done)} · ${t.unknownSize}`
        : moving
          ? t.unknownSize
          : null
      : d.state === 'completed'
        ? formatBytes(d.size)
        : `${formatBytes(d.done)} of ${formatBytes(d.size)}`
  return (
    <>
      <div role="gridcell" className="row__name">
        <FileTypeIcon name={d.name} />
        <div className="row__text">
          <span className="row__title" title={d.name}>
            {d.name}
          </span>
          <span className="row__meta">
            <span className="row__status" data-tone={status.tone} title={d.error?.message}>
              {status.text}
            </span>
            <span className="row__dot" aria-hidden="true">
              ·
            </span>
            <span>{hostOf(d.url)}</span>
            {sizeText !== null && (
              <>
                <span className="row__dot" aria-hidden="true">
                  ·
                </span>
                <span>{sizeText}</span>
              </>
            )}
            {d.connections > 0 && (
              <>
                <span className="row__dot" aria-hidden="true">
                  ·
                </span>
                <span>{t.connections(d.connections)}</span>
              </>
            )}
          </span>
        </div>
      </div>
      <div role="gridcell" className="row__size">
        {d.size === null ? '' : formatBytes(d.size)}
      </div>
      <div role="gridcell" className="row__progress">
        <ProgressBar
          percent={d.state === 'completed' ? 100 : percent}
          label={t.progressOf(d.name)}
          valueText={d.size === null ? formatBytes(d.done) : `${percent ?? 0} %, ${sizeText ?? ''}`}
          tone={status.tone}
        />
        <span className="row__percent">
          {percent === null ? '—' : `${d.state === 'completed' ? 100 : percent} %`}
        </span>
        {/* Narrow windows hide the speed and time-left columns and show them here. */}
        {moving && (
          <span className="row__rate">
            {`${formatBytes(d.speed)}/s`}
            {d.eta !== null && (
              <span className="row__rate-eta">{` · ${formatDuration(d.eta)}`}</span>
            )}
          </span>
        )}
      </div>
      <div role="gridcell" className="row__speed">
        {moving ? `${formatBytes(d.speed)}/s` : ''}
      </div>
      <div role="gridcell" className="row__eta">
        {moving && d.eta !== null ? formatDuration(d.eta) : ''}
      </div>
      <div role="gridcell" className="row__added">
        {addedText(d.createdAt, now)}
      </div>
      <div role="gridcell" className="row__actions">
        {primary && (
          <button
            type="button"
            className="icon-button"
            data-action={primary.key}
            tabIndex={-1}
            aria-label={t.rowAction(primary.label, d.name)}
            title={primary.label}
            onClick={() => primary.run(d.id)}
          >
            <Icon name={primary.icon} />
          </button>
        )}
        <button
          type="button"
          className="icon-button icon-button--quiet"
          tabIndex={-1}
          aria-label={t.rowAction(removeAction.label, d.name)}
          title={removeAction.label}
          onClick={() => removeAction.run(d.id)}
        >
          <Icon name="trash" />
        </button>
        <button
          type="button"
          className="icon-button icon-button--quiet"
          tabIndex={-1}
          aria-label={t.moreActions(d.name)}
          aria-haspopup="menu"
          title={t.moreActions(d.name)}
          onClick={(event) => {
            const box = event.currentTarget.getBoundingClientRect()
            openMenu(d.id, box.right, box.bottom)
          }}
        >
          <Icon name="more" />
        </button>
      </div>
    </>
  )
}
