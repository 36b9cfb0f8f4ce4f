import { useVirtualizer } from '@tanstack/react-virtual'
import { useDeferredValue, useEffect, useId, useMemo, useRef, useState } from 'react'
import type { FormEvent } from 'react'
import { parseList } from '../../../../shared/list/parse-list.ts'
import type { AddResult } from '../../../../shared/protocol/api.ts'
import { normalizeUrlKey } from '../../../../shared/protocol/url.ts'
import { Icon } from '../../components/icon.tsx'
import { ModalDialog } from '../../components/modal-dialog.tsx'
import { useAppStore } from '../../store/app-store.ts'
import * as commands from '../../store/commands.ts'
import { pickFolder } from '../../store/engine-sink.ts'
import { closeAddDialog, setDraftText } from '../../store/ui-actions.ts'
import { addInBackground } from './add-in-background.ts'
import type { AddDraft } from '../../store/ui-slice.ts'
import { t } from '../../strings.ts'
import { buildPreview } from './build-preview.ts'
import { AddOptionsFields } from './add-options-fields.tsx'
import { NO_ADD_OPTIONS, readAddOptions } from './add-options.ts'
import type { AddOptionsInput, AddOptionsProblem } from './add-options.ts'
import type { Preview, PreviewRow } from './build-preview.ts'
import { lineCount, pastedWords, takesPaste, withPasted } from './pasted-list.ts'

const NO_PREVIEW: Preview = buildPreview(parseList('', 'list'), '', new Set())

/**
 * The preview of `text`, built in a task of its own after the render. Built during the render
 * (a memo), a 10,000-line list made the dialog's first render ~0.5 s of interruptible work,
 * which the engine's beat (a store update every 250 ms) restarted again and again: the dialog
 * never appeared (the bulk e2e journey). Typing stays responsive too: the preview follows a
 * deferred copy of the text, and `stale` holds Add back until it caught up.
 */
function usePreview(
  text: string,
  queued: ReadonlySet<string>,
): { preview: Preview; stale: boolean } {
  const deferred = useDeferredValue(text)
  const [built, setBuilt] = useState<{ text: string; preview: Preview } | null>(null)
  useEffect(() => {
    const timer = setTimeout(
      () =>
        setBuilt({
          text: deferred,
          preview: buildPreview(parseList(deferred, 'list'), deferred, queued),
        }),
      0,
    )
    return () => clearTimeout(timer)
  }, [deferred, queued])
  return { preview: built?.preview ?? NO_PREVIEW, stale: built === null || built.text !== text }
}

const PREVIEW_ROW_HEIGHT = 30

/** The add dialog: a list in, a preview of what will happen, nothing starts before confirming. */
export function AddDialog() {
  const draft = useAppStore((s) => s.ui.addDraft)
  if (draft === null) return null
  return <AddDialogBody draft={draft} />
}

/** Keys of everything already in the queue, read once when the dialog opens. */
function useQueuedKeys(): ReadonlySet<string> {
  const [keys] = useState(() => {
    const set = new Set<string>()
    for (const d of Object.values(useAppStore.getState().downloads.byId)) {
      try {
        set.add(normalizeUrlKey(new URL(d.url)))
      } catch {
        // A snapshot URL always parses; nothing to compare if one ever does not.
      }
    }
    return set
  })
  return keys
}

function AddDialogBody({ draft }: { readonly draft: AddDraft }) {
  const ids = { text: useId(), dir: useId(), summary: useId() }
  const defaultDir = useAppStore((s) => s.downloads.settings?.defaultDir ?? '')
  const canPick = useAppStore((s) => s.connection.canPickFolder)
  const connected = useAppStore((s) => s.connection.status.kind === 'connected')
  const queued = useQueuedKeys()
  // Long pastes, kept beside the textarea (see pasted-list.ts); the preview reads both.
  const [pasted, setPasted] = useState<readonly string[]>([])
  const listText = useMemo(() => withPasted(pasted, draft.text), [pasted, draft.text])
  const { preview, stale } = usePreview(listText, queued)
  const [dir, setDir] = useState('')
  const [paused, setPaused] = useState(false)
  const [busy, setBusy] = useState(false)
  const [refused, setRefused] = useState<AddResult['rejected'] | null>(null)
  const [options, setOptions] = useState<AddOptionsInput>(NO_ADD_OPTIONS)
  const [optionsOpen, setOptionsOpen] = useState(false)
  const [problems, setProblems] = useState<readonly AddOptionsProblem[]>([])
  const count = preview.requests.length
  // A file name and a checksum describe one file: offered (and read) for one URL only.
  const single = count <= 1

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    if (count === 0 || busy || stale || !connected) return
    const read = readAddOptions(single ? options : { ...options, name: '', checksum: '' }, count)
    if (!read.ok) {
      setProblems(read.problems)
      setOptionsOpen(true)
      return
    }
    setProblems([])
    setBusy(true)
    const requests = preview.requests.map((request) => ({
      ...read.apply(request),
      ...(dir.trim() !== '' ? { dir: dir.trim() } : {}),
      ...(paused ? { paused: true } : {}),
    }))
    const result = await addInBackground(() => commands.add(requests), requests.length)
    if (result === 'background') return
    setBusy(false)
    if (result === null) return
    if (result.rejected.length > 0) {
      setRefused(result.rejected)
      setPasted([])
      setDraftText('')
    } else closeAddDialog()
  }

  return (
    <ModalDialog
      title={t.addTitle}
      onClose={closeAddDialog}
      className="add-dialog"
      initialFocus="textarea"
    >
      <form className="add-form" onSubmit={(event) => void submit(event)}>
        {draft.notes.map((note) => (
          <p key={note} className="notice notice--error" role="alert">
            <Icon name="alert" />
            {note}
          </p>
        ))}
        {refused && <Refused refused={refused} />}
        <label className="field__label" htmlFor={ids.text}>
          {t.addDialog.urls}
        </label>
        <textarea
          id={ids.text}
          className="add-form__text"
          value={draft.text}
          spellCheck={false}
          wrap="off"
          rows={6}
          aria-describedby={ids.summary}
          onChange={(event) => {
            setRefused(null)
            setDraftText(event.target.value)
          }}
          onPaste={(event) => {
            const text = event.clipboardData.getData('text/plain')
            if (!takesPaste(text)) return
            event.preventDefault()
            setRefused(null)
            setPasted((list) => [...list, text])
          }}
        />
        {pasted.length > 0 && (
          <p className="add-form__pasted">
            <span>{pastedWords.pasted(pasted.reduce((n, p) => n + lineCount(p), 0))}</span>
            <button type="button" className="button" onClick={() => setPasted([])}>
              {pastedWords.remove}
            </button>
          </p>
        )}
        <p id={ids.summary} className="add-form__summary" role="status" aria-live="polite">
          <span className="chip chip--ok">{t.addDialog.valid(count)}</span>
          {preview.invalid > 0 && (
            <span className="chip chip--error">{t.addDialog.invalid(preview.invalid)}</span>
          )}
          {preview.duplicates > 0 && (
            <span className="chip chip--warn">{t.addDialog.duplicates(preview.duplicates)}</span>
          )}
        </p>
        <PreviewList rows={preview.rows} />
        <div className="add-form__row">
          <div className="field">
            <label className="field__label" htmlFor={ids.dir}>
              {t.addDialog.destination}
            </label>
            <div className="field__inline">
              <input
                id={ids.dir}
                className="input"
                value={dir}
                placeholder={defaultDir}
                spellCheck={false}
                onChange={(event) => setDir(event.target.value)}
              />
              {canPick && (
                <button
                  type="button"
                  className="button"
                  onClick={() =>
                    void pickFolder().then((folder) => folder !== null && setDir(folder))
                  }
                >
                  <Icon name="folder" />
                  {t.addDialog.choose}
                </button>
              )}
            </div>
          </div>
          <label className="check">
            <input
              type="checkbox"
              checked={paused}
              onChange={(event) => setPaused(event.target.checked)}
            />
            {t.addDialog.startPaused}
          </label>
        </div>
        <AddOptionsFields
          value={options}
          onChange={(value) => {
            setOptions(value)
            setProblems([])
          }}
          problems={problems}
          single={single}
          open={optionsOpen}
          onToggle={setOptionsOpen}
        />
        {problems.length > 0 && (
          <p className="notice notice--error" role="alert">
            <Icon name="alert" />
            {problems.map((p) => p.message).join('. ')}
          </p>
        )}
        <div className="modal__footer">
          <button type="button" className="button" onClick={closeAddDialog}>
            {refused ? t.addDialog.close : t.cancel}
          </button>
          <button
            type="submit"
            className="button button--primary"
            aria-disabled={count === 0 || busy || !connected}
          >
            {busy ? t.addDialog.adding : t.addDialog.confirm(count, paused)}
          </button>
        </div>
      </form>
    </ModalDialog>
  )
}

function Refused({ refused }: { readonly refused: AddResult['rejected'] }) {
  return (
    <div className="notice notice--error" role="alert">
      <strong>{t.addDialog.refused(refused.length)}</strong>
      <ul className="refused">
        {refused.slice(0, 50).map((r) => (
          <li key={r.index}>
            <span className="refused__url">{r.url}</span> — {r.error.message}
          </li>
        ))}
      </ul>
    </div>
  )
}

/** Every counted line with its fate; virtualized, so a 10,000-line list previews at once. */
function PreviewList({ rows }: { readonly rows: readonly PreviewRow[] }) {
  const ref = useRef<HTMLDivElement>(null)
  // No React Compiler here: the virtualizer's unstable function identities are expected.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => ref.current,
    estimateSize: () => PREVIEW_ROW_HEIGHT,
    overscan: 8,
    useFlushSync: false,
  })
  if (rows.length === 0) return null
  return (
    <div ref={ref} className="preview" tabIndex={0} aria-label={t.addDialog.preview} role="region">
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
              style={{ transform: `translateY(${item.start}px)` }}
            >
              <span className="preview__line">{t.addDialog.line(row.line)}</span>
              <span className="preview__url">{row.kind === 'invalid' ? row.text : row.url}</span>
              {row.kind === 'invalid' && <span className="preview__reason">{row.reason}</span>}
              {row.kind === 'duplicate' && (
                <span className="preview__reason">
                  {row.of === 'queue'
                    ? t.addDialog.duplicateInQueue
                    : t.addDialog.duplicateInList(row.of)}
                </span>
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
