import { useId, useState } from 'react'
import type { FormEvent } from 'react'
import { PickFolderButton } from '../add/pick-folder-button.tsx'
import { DialogFooter } from '../../components/dialog-footer.tsx'
import { ModalDialog } from '../../components/modal-dialog.tsx'
import { useAppStore } from '../../store/app-store.ts'
import { ask } from '../../store/engine-door.ts'
import { closeChangeFolder, useDetailsStore } from '../details/details-store.ts'
import { d } from '../details/details-strings.ts'

/**
 * "Choose another folder…" for downloads whose folder went away (DP_ERR_FOLDER_GONE): one folder
 * for all the rows it was opened on, sent as one `changeFolder`. The folder is typed, as in the
 * add dialog (a browser tab has no native picker), with the desktop's picker beside it. The
 * engine's refusal (not there, not a folder, a relative path) is shown here in its own words and
 * the dialog stays open; downloads it refused one by one are named, the others went ahead.
 */
export function ChangeFolderDialog() {
  const ids = useDetailsStore((s) => s.changeFolderIds)
  if (ids === null) return null
  return <ChangeFolderBody key={ids.join('\n')} ids={ids} />
}

function ChangeFolderBody({ ids }: { readonly ids: readonly string[] }) {
  const field = { dir: useId(), error: useId() }
  const byId = useAppStore((s) => s.downloads.byId)
  const defaultDir = useAppStore((s) => s.downloads.settings?.defaultDir ?? '')
  const names = ids.map((id) => byId[id]?.name ?? id)
  const gone = byId[ids[0]!]?.dir ?? ''
  const [dir, setDir] = useState(defaultDir)
  const [refusal, setRefusal] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    if (busy || dir.trim() === '') return
    setBusy(true)
    setRefusal(null)
    const reply = await ask('changeFolder', [...ids], dir.trim())
    setBusy(false)
    if (!reply.ok) {
      if (!reply.offline) setRefusal(reply.message)
      return
    }
    const refused = reply.value.rejected
    if (refused.length === 0) return closeChangeFolder()
    setRefusal(
      d.someRefused(
        refused.map((r) => `${byId[r.id]?.name ?? r.id} (${r.error.message})`).join('; '),
      ),
    )
  }
  return (
    <ModalDialog title={d.chooseFolderTitle} onClose={closeChangeFolder} initialFocus="input">
      <form onSubmit={(event) => void submit(event)}>
        <p className="modal__text">{d.chooseFolderOf(names)}</p>
        <p className="modal__hint">{d.chooseFolderHint(gone)}</p>
        <div className="field">
          <label className="field__label" htmlFor={field.dir}>
            {d.folder}
          </label>
          <div className="field__inline">
            <input
              id={field.dir}
              className="input"
              required
              value={dir}
              placeholder={defaultDir}
              spellCheck={false}
              aria-describedby={refusal === null ? undefined : field.error}
              aria-invalid={refusal !== null}
              onChange={(event) => setDir(event.target.value)}
            />
            <PickFolderButton onPick={setDir} />
          </div>
        </div>
        {refusal !== null && (
          <p id={field.error} className="notice notice--error change-url__error" role="alert">
            {refusal}
          </p>
        )}
        <DialogFooter
          cancelLabel={d.cancel}
          onCancel={closeChangeFolder}
          submitLabel={d.downloadHere}
          submitDisabled={busy || dir.trim() === ''}
        />
      </form>
    </ModalDialog>
  )
}
