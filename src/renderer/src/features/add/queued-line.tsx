import './queued-line.css'
import { useState } from 'react'
import { MiddleTruncate } from '../../components/middle-truncate.tsx'
import { useAppStore } from '../../store/app-store.ts'
import { canDownloadAgain, describeQueued, type QueuedChoice } from './download-again.ts'
import { againWords as w } from './download-again-strings.ts'
import { showDownloads } from './show-downloads.ts'

/**
 * A preview line whose URL the queue holds: which file and what that download is
 * ("report.pdf — Completed 3 days ago, file missing", "Downloading 40 %", "Failed, 404 Not
 * Found"), where it is (cut in its middle), and the choice for it: skip, show it, download
 * again (offered only while the engine would take it).
 */
export function QueuedLine({
  url,
  existingId,
  choice,
  onChoose,
}: {
  readonly url: string
  readonly existingId: string
  readonly choice: QueuedChoice
  readonly onChoose: (choice: QueuedChoice) => void
}) {
  const existing = useAppStore((s) => s.downloads.byId[existingId])
  const again = canDownloadAgain(existing)
  // Ages ("3 days ago") as of the line's first showing: rough by design, no clock in render.
  const [now] = useState(() => Date.now())
  const text = describeQueued(existing, url, now)
  return (
    <>
      <span className="preview__queued" title={text.full}>
        <span className="preview__what">
          <span className="preview__name">{text.name}</span>
          {' — '}
          <span className="preview__state">{text.state}</span>
        </span>
        <MiddleTruncate className="preview__where" text={text.where} />
      </span>
      <span
        className="preview__choice"
        role="group"
        aria-label={w.choiceFor(url)}
        aria-description={text.full}
      >
        <button
          type="button"
          className="button button--small"
          aria-pressed={choice === 'skip' || !again}
          onClick={() => onChoose('skip')}
        >
          {w.skip}
        </button>
        <button
          type="button"
          className="button button--small"
          disabled={existing === undefined}
          onClick={() => showDownloads([existingId])}
        >
          {w.show}
        </button>
        <button
          type="button"
          className="button button--small"
          aria-pressed={again && choice === 'again'}
          disabled={!again}
          onClick={() => onChoose('again')}
        >
          {w.again}
        </button>
      </span>
    </>
  )
}

/** Over the preview: how many lines the queue holds, and one choice for all of them. */
export function QueuedBar({
  count,
  againable,
  onAll,
  onShow,
}: {
  readonly count: number
  readonly againable: number
  readonly onAll: (choice: QueuedChoice) => void
  readonly onShow: () => void
}) {
  return (
    <p className="add-form__queued" role="group" aria-label={w.inQueue(count)}>
      <span>{w.inQueue(count)}</span>
      <button type="button" className="button button--small" onClick={() => onAll('skip')}>
        {w.skipAll}
      </button>
      <button type="button" className="button button--small" onClick={onShow}>
        {w.showAll}
      </button>
      <button
        type="button"
        className="button button--small"
        disabled={againable === 0}
        onClick={() => onAll('again')}
      >
        {w.againAll}
      </button>
    </p>
  )
}
