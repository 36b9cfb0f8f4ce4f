import './add-dialog.css'
import { useDeferredValue, useEffect, useId, useMemo, useRef, useState } from 'react'
import type { FormEvent } from 'react'
import { EMPTY_LIST, joinLists, linkLines } from '../../../../shared/list/join-lists.ts'
import { parseList } from '../../../../shared/list/parse-list.ts'
import type { ParsedList } from '../../../../shared/list/parsed-list.ts'
import type { AddResult } from '../../../../shared/protocol/api.ts'
import { normalizeUrlKey } from '../../../../shared/protocol/url.ts'
import { Icon } from '../../components/icon.tsx'
import { PickFolderButton } from './pick-folder-button.tsx'
import { DialogFooter } from '../../components/dialog-footer.tsx'
import { ModalDialog } from '../../components/modal-dialog.tsx'
import { useAppStore } from '../../store/app-store.ts'
import * as commands from '../../store/commands.ts'
import { clearDroppedLinks, closeAddDialog, setDraftText } from '../../store/ui-actions.ts'
import { addInBackground } from './add-in-background.ts'
import type { AddDraft } from '../../store/ui-slice.ts'
import { t } from '../../strings.ts'
import { buildPreview } from './build-preview.ts'
import { AddOptionsFields } from './add-options-fields.tsx'
import { NO_ADD_OPTIONS, readAddOptions } from './add-options.ts'
import type { AddOptionsInput, AddOptionsProblem } from './add-options.ts'
import type { Preview } from './build-preview.ts'
import { droppedWords, lineCount, pastedWords, takesPaste, withPasted } from './pasted-list.ts'
import { confirmAction, countAgain, planAdd } from './download-again.ts'
import type { QueuedChoice } from './download-again.ts'
import { PreviewList } from './preview-list.tsx'
import { QueuedBar } from './queued-line.tsx'
import { showDownloads } from './show-downloads.ts'

const NO_PREVIEW: Preview = buildPreview(EMPTY_LIST, '', new Map())

/**
 * The preview of `text`, built in a task of its own after the render. Built during the render
 * (a memo), a 10,000-line list made the dialog's first render ~0.5 s of interruptible work,
 * which the engine's beat (a store update every 250 ms) restarted again and again: the dialog
 * never appeared (the bulk e2e journey). Typing stays responsive too: the preview follows a
 * deferred copy of the text, and `stale` holds Add back until it caught up. Dropped links
 * come first, as read on the way in: only the text is read here.
 */
function usePreview(
  text: string,
  dropped: ParsedList,
  queued: ReadonlyMap<string, string>,
): { preview: Preview; stale: boolean } {
  const deferred = useDeferredValue(text)
  const [built, setBuilt] = useState<{
    text: string
    dropped: ParsedList
    preview: Preview
  } | null>(null)
  useEffect(() => {
    const timer = setTimeout(() => {
      const offset = linkLines(dropped)
      const parsed = joinLists(dropped, parseList(deferred, 'list'), offset)
      setBuilt({ text: deferred, dropped, preview: buildPreview(parsed, deferred, queued, offset) })
    }, 0)
    return () => clearTimeout(timer)
  }, [deferred, dropped, queued])
  const stale = built === null || built.text !== text || built.dropped !== dropped
  return { preview: built?.preview ?? NO_PREVIEW, stale }
}

/** The add dialog: a list in, a preview of what will happen, nothing starts before confirming. */
export function AddDialog() {
  const draft = useAppStore((s) => s.ui.addDraft)
  if (draft === null) return null
  return <AddDialogBody draft={draft} />
}

/**
 * Keys of everything already in the queue, each with the newest download of it (queue order:
 * the last wins), read once when the dialog opens.
 */
function useQueuedKeys(): ReadonlyMap<string, string> {
  const [keys] = useState(() => {
    const map = new Map<string, string>()
    const { byId, order } = useAppStore.getState().downloads
    for (const id of order) {
      const d = byId[id]
      if (d === undefined) continue
      try {
        map.set(normalizeUrlKey(new URL(d.url)), id)
      } catch {
        // A snapshot URL always parses; nothing to compare if one ever does not.
      }
    }
    return map
  })
  return keys
}

/**
 * The completed downloads the list names again are looked at on disk once (the engine answers
 * with `fileMissing` on their rows), so a line can say "file missing" and "Download again"
 * can give the file its name back.
 */
function useCheckedFiles(queued: Preview['queued']): void {
  const asked = useRef(new Set<string>())
  useEffect(() => {
    const byId = useAppStore.getState().downloads.byId
    const ids = queued
      .map((q) => q.existingId)
      .filter((id) => byId[id]?.state === 'completed' && !asked.current.has(id))
    for (const id of ids) asked.current.add(id)
    void commands.checkFiles(ids)
  }, [queued])
}

function AddDialogBody({ draft }: { readonly draft: AddDraft }) {
  const ids = { text: useId(), dir: useId(), summary: useId() }
  const defaultDir = useAppStore((s) => s.downloads.settings?.defaultDir ?? '')
  const connected = useAppStore((s) => s.connection.status.kind === 'connected')
  const queued = useQueuedKeys()
  // Long pastes, kept beside the textarea (see pasted-list.ts); the preview reads both.
  const [pasted, setPasted] = useState<readonly string[]>([])
  const listText = useMemo(() => withPasted(pasted, draft.text), [pasted, draft.text])
  const { preview, stale } = usePreview(listText, draft.dropped, queued)
  const droppedLinks = linkLines(draft.dropped)
  const [dir, setDir] = useState('')
  const [paused, setPaused] = useState(false)
  const [busy, setBusy] = useState(false)
  const [refused, setRefused] = useState<AddResult['rejected'] | null>(null)
  const [options, setOptions] = useState<AddOptionsInput>(NO_ADD_OPTIONS)
  const [optionsOpen, setOptionsOpen] = useState(false)
  const [problems, setProblems] = useState<readonly AddOptionsProblem[]>([])
  const [choices, setChoices] = useState<ReadonlyMap<string, QueuedChoice>>(new Map())
  useCheckedFiles(preview.queued)
  const againCounts = useAppStore((s) => {
    const c = countAgain(preview.queued, choices, s.downloads.byId)
    return `${c.againable}:${c.chosen}`
  })
  const [againableCount, chosenAgain] = againCounts.split(':').map(Number) as [number, number]
  const count = preview.requests.length + chosenAgain
  const action = confirmAction(count, chosenAgain, againableCount, paused)
  const chooseAll = (choice: QueuedChoice): Map<string, QueuedChoice> => {
    const next = new Map(choices)
    for (const q of preview.queued) next.set(q.key, choice)
    setChoices(next)
    return next
  }
  // A file name and a checksum describe one file: offered (and read) for one URL only.
  const single = count <= 1

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    if ((count === 0 && !action.allAgain) || busy || stale || !connected) return
    // "Download N files again" with nothing else to add chooses that for every such line.
    const chosen = action.allAgain ? chooseAll('again') : choices
    const plan = planAdd(preview, chosen, useAppStore.getState().downloads.byId)
    if (plan.requests.length === 0) return
    const read = readAddOptions(
      single ? options : { ...options, name: '', checksum: '' },
      plan.requests.length,
    )
    if (!read.ok) {
      setProblems(read.problems)
      setOptionsOpen(true)
      return
    }
    setProblems([])
    setBusy(true)
    // The rows a new download replaces go first, so its file gets its name back.
    if (plan.replace.length > 0) await commands.remove(plan.replace, true)
    const requests = plan.requests.map((request) => ({
      ...read.apply(request),
      ...(dir.trim() !== '' ? { dir: dir.trim() } : {}),
      ...(paused ? { paused: true } : {}),
    }))
    // The dialog reads only the refusals: the new downloads come to the list as events.
    const result = await addInBackground(
      () => commands.add(requests, { answer: 'refusals' }),
      requests.length,
    )
    if (result === 'background') return
    setBusy(false)
    if (result === null) return
    if (result.rejected.length > 0) {
      setRefused(result.rejected)
      setPasted([])
      setDraftText('')
      clearDroppedLinks()
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
          className="input add-form__text"
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
        {droppedLinks > 0 && (
          <p className="add-form__pasted">
            <span>{droppedWords.dropped(droppedLinks)}</span>
            <button type="button" className="button" onClick={clearDroppedLinks}>
              {droppedWords.remove}
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
        {preview.queued.length > 0 && (
          <QueuedBar
            count={preview.queued.length}
            againable={againableCount}
            onAll={chooseAll}
            onShow={() => showDownloads(preview.queued.map((q) => q.existingId))}
          />
        )}
        <PreviewList
          rows={preview.rows}
          choices={choices}
          onChoose={(key, choice) => setChoices((old) => new Map(old).set(key, choice))}
        />
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
              <PickFolderButton onPick={setDir} />
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
        {/* Sticky: Add is never below the fold, whatever the window and zoom (add-options.css). */}
        <DialogFooter
          className="add-form__footer"
          cancelLabel={refused ? t.addDialog.close : t.cancel}
          onCancel={closeAddDialog}
          submitLabel={busy ? t.addDialog.adding : action.label}
          submitDisabled={(count === 0 && !action.allAgain) || busy || !connected}
        />
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
