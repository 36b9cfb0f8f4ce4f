import { useState } from 'react'
import { DialogFooter } from '../../components/dialog-footer.tsx'
import { ModalDialog } from '../../components/modal-dialog.tsx'
import * as commands from '../../store/commands.ts'
import { useAppStore } from '../../store/app-store.ts'
import { closeRemove } from '../../store/ui-actions.ts'
import { t } from '../../strings.ts'

/** Asks before removing, offering to delete the partial data too (never a completed file). */
export function RemoveDialog() {
  const ids = useAppStore((s) => s.ui.confirmRemove)
  if (ids === null) return null
  return <RemoveDialogBody ids={ids} />
}

function RemoveDialogBody({ ids }: { readonly ids: readonly string[] }) {
  const [deleteFiles, setDeleteFiles] = useState(false)
  const names = useAppStore((s) =>
    ids
      .slice(0, 3)
      .map((id) => s.downloads.byId[id]?.name ?? id)
      .join(', '),
  )
  // A completed download has no partial file (and its file stays): the box counts the others.
  const partial = useAppStore((s) => {
    let n = 0
    for (const id of ids) {
      const state = s.downloads.byId[id]?.state
      if (state !== undefined && state !== 'completed') n++
    }
    return n
  })
  return (
    <ModalDialog
      title={t.removeTitle(ids.length)}
      onClose={closeRemove}
      initialFocus="[data-confirm]"
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault()
          closeRemove()
          void commands.remove(ids, deleteFiles && partial > 0)
        }}
      >
        <p className="modal__text">
          {names}
          {ids.length > 3 ? ` … (+${ids.length - 3})` : ''}
        </p>
        <p className="modal__hint">{t.removeBody}</p>
        {partial > 0 && (
          <label className="check">
            <input
              type="checkbox"
              checked={deleteFiles}
              onChange={(e) => setDeleteFiles(e.target.checked)}
            />
            {t.deletePartial(partial)}
          </label>
        )}
        <DialogFooter
          cancelLabel={t.cancel}
          onCancel={closeRemove}
          submitLabel={t.remove}
          tone="danger"
          confirm
        />
      </form>
    </ModalDialog>
  )
}
