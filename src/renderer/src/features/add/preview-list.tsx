import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useRef, useState } from 'react'
import type { RefObject } from 'react'
import { Icon } from '../../components/icon.tsx'
import { t } from '../../strings.ts'
import type { PreviewRow } from './build-preview.ts'
import type { QueuedChoice } from './download-again.ts'
import { QueuedLine } from './queued-line.tsx'

const PREVIEW_ROW_HEIGHT = 30
/** A line the queue holds: its name and state (two lines at most), where it is (queued-line.css). */
const QUEUED_ROW_HEIGHT = 64
/** The same in a narrow preview, with its choice on a line of its own below. */
const QUEUED_ROW_HEIGHT_NARROW = 96
/** Below this width (px) a queued line's text and its three buttons do not fit side by side. */
const NARROW_PREVIEW = 600

function rowHeight(row: PreviewRow, narrow: boolean): number {
  if (row.kind !== 'queued') return PREVIEW_ROW_HEIGHT
  return narrow ? QUEUED_ROW_HEIGHT_NARROW : QUEUED_ROW_HEIGHT
}

/** Whether the preview is narrower than NARROW_PREVIEW, followed as the window or zoom change. */
function useNarrow(ref: RefObject<HTMLElement | null>, shown: boolean): boolean {
  const [width, setWidth] = useState(0)
  useEffect(() => {
    const element = ref.current
    if (element === null) return
    setWidth(element.clientWidth)
    if (typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver(() => setWidth(element.clientWidth))
    observer.observe(element)
    return () => observer.disconnect()
  }, [ref, shown])
  return width > 0 && width < NARROW_PREVIEW
}

/** Every counted line with its fate; virtualized, so a 10,000-line list previews at once. */
export function PreviewList({
  rows,
  choices,
  onChoose,
}: {
  readonly rows: readonly PreviewRow[]
  readonly choices: ReadonlyMap<string, QueuedChoice>
  readonly onChoose: (key: string, choice: QueuedChoice) => void
}) {
  const ref = useRef<HTMLDivElement>(null)
  const narrow = useNarrow(ref, rows.length > 0)
  // No React Compiler here: the virtualizer's unstable function identities are expected.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => ref.current,
    estimateSize: (index) => rowHeight(rows[index]!, narrow),
    overscan: 8,
    useFlushSync: false,
  })
  useEffect(() => virtualizer.measure(), [virtualizer, narrow])
  if (rows.length === 0) return null
  return (
    <div
      ref={ref}
      className="preview"
      tabIndex={0}
      aria-label={t.addDialog.preview}
      role="region"
      data-narrow={narrow || undefined}
    >
      <ul className="preview__list" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index]!
          return (
            <li
              key={item.key}
              className="preview__row"
              data-kind={row.kind}
              aria-setsize={rows.length}
              aria-posinset={item.index + 1}
              style={{ transform: `translateY(${item.start}px)`, height: item.size }}
            >
              <span className="preview__line">{t.addDialog.line(row.line)}</span>
              {row.kind !== 'queued' && (
                <span className="preview__url">{row.kind === 'invalid' ? row.text : row.url}</span>
              )}
              {row.kind === 'queued' && (
                <QueuedLine
                  url={row.url}
                  existingId={row.existingId}
                  choice={choices.get(row.key) ?? 'skip'}
                  onChoose={(choice) => onChoose(row.key, choice)}
                />
              )}
              {row.kind === 'invalid' && <span className="preview__reason">{row.reason}</span>}
              {row.kind === 'duplicate' && (
                <span className="preview__reason">{t.addDialog.duplicateInList(row.of)}</span>
              )}
              {row.kind === 'ok' && (
                <span className="preview__ok">
                  <Icon name="check" size={14} />
                </span>
              )}
            </li>
          )
        })}
      </ul>
    </div>
  )
}
