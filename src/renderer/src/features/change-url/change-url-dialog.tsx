import { useId, useState } from 'react'
import type { FormEvent } from 'react'
import { DialogFooter } from '../../components/dialog-footer.tsx'
import { ModalDialog } from '../../components/modal-dialog.tsx'
import { useAppStore } from '../../store/app-store.ts'
import { ask } from '../../store/engine-door.ts'
import { closeChangeUrl, useDetailsStore } from '../details/details-store.ts'
import { d } from '../details/details-strings.ts'

/**
 * "Change URL…" for a paused or failed download (an expired link): asks the new URL and hands
 * it to the engine, which accepts it only for the same file. A refusal is shown here in the
 * engine's own words and the dialog stays open; nothing in the list changes, since the window
 * only shows what the engine did.
 */
export function ChangeUrlDialog() {
  const id = useDetailsStore((s) => s.changeUrlId)
  if (id === null) return null
  return <ChangeUrlBody key={id} id={id} />
}

function ChangeUrlBody({ id }: { readonly id: string }) {
  const ids = { url: useId(), error: useId() }
  const download = useAppStore((s) => s.downloads.byId[id])
  const [url, setUrl] = useState('')
  const [refusal, setRefusal] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    if (busy) return
    setBusy(true)
    setRefusal(null)
    const reply = await ask('changeUrl', id, url.trim())
    if (reply.ok) closeChangeUrl()
    else {
      if (!reply.offline) setRefusal(reply.message)
      setBusy(false)
    }
  }
  return (
    <ModalDialog title={d.changeUrlTitle} onClose={closeChangeUrl} initialFocus="input">
      <form onSubmit={(event) => void submit(event)}>
        <p className="modal__text">{download?.name ?? id}</p>
        <p className="modal__hint">{d.changeUrlHint}</p>
        <div className="field">
          <label className="field__label" htmlFor={ids.url}>
            {d.newUrl}
          </label>
          <input
            id={ids.url}
            className="input"
            type="url"
            required
            value={url}
            placeholder={download?.url}
            aria-describedby={refusal === null ? undefined : ids.error}
            aria-invalid={refusal !== null}
            onChange={(event) => setUrl(event.target.value)}
          />
        </div>
        {refusal !== null && (
          <p id={ids.error} className="notice notice--error change-url__error" role="alert">
            {refusal}
          </p>
        )}
        <DialogFooter
          cancelLabel={d.cancel}
          onCancel={closeChangeUrl}
          submitLabel={d.change}
          submitDisabled={busy || url.trim() === ''}
        />
      </form>
    </ModalDialog>
  )
}
