import type { AddResult } from '../../../../shared/protocol/api.ts'
import { useAppStore } from '../../store/app-store.ts'
import { closeAddDialog, showError } from '../../store/ui-actions.ts'
import { t } from '../../strings.ts'

/** How long the dialog waits for the engine's answer before it hands the add to the list. */
export const MOMENT_MS = 400

/**
 * Waits a moment for an add; if the engine has not answered by then (a list of thousands),
 * closes the dialog and lets the list say how far the add has come ("Adding 10,000… 4,000 so
 * far", counted from the downloads that arrive), while the first ones already run. Resolves
 * with the answer when it came within the moment, else with 'background' (refusals are then
 * shown as an error once the add ends, the dialog being gone).
 */
export async function addInBackground(
  start: () => Promise<AddResult | null>,
  total: number,
  wait: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<AddResult | null | 'background'> {
  // Counted before the call: its first downloads may be listed before the moment is over.
  const before = useAppStore.getState().view.counts.all
  const call = start()
  const late = Symbol('late')
  const quick = await Promise.race([call, wait(MOMENT_MS).then(() => late)])
  if (quick !== late) return quick as AddResult | null
  setAdding({ total, before })
  closeAddDialog()
  void call.then(
    (result) => {
      setAdding(null)
      const refused = result?.rejected ?? []
      if (refused.length > 0)
        showError(`${t.addDialog.refused(refused.length)}: ${refused[0]!.error.message}`)
    },
    () => setAdding(null),
  )
  return 'background'
}

function setAdding(adding: { total: number; before: number } | null): void {
  useAppStore.setState((s) => ({ ui: { ...s.ui, adding } }))
}

/** What the list shows of a long add, or null: "Adding 10,000… 4,000 so far". */
export function addingText(state: {
  ui: { adding: { total: number; before: number } | null }
  view: { counts: { all: number } }
}): string | null {
  const { adding } = state.ui
  if (adding === null) return null
  return t.addDialog.progress(adding.total, Math.max(0, state.view.counts.all - adding.before))
}
