import type { DownloadState } from '../../../../shared/protocol/model.ts'
import * as commands from '../../store/commands.ts'
import { askRemove, targetsFor } from '../../store/ui-actions.ts'
import { t } from '../../strings.ts'
import type { IconName } from '../../components/icon.tsx'
import { hasDesktopFiles, openDownload, showDownload } from '../../lib/desktop.ts'
import { askChangeUrl, openDetails } from '../details/details-store.ts'
import { d } from '../details/details-strings.ts'

export type RowAction = {
  readonly key:
    | 'pause'
    | 'resume'
    | 'retry'
    | 'start-now'
    | 'remove'
    | 'copy'
    | 'open'
    | 'folder'
    | 'details'
    | 'change-url'
  readonly label: string
  readonly icon: IconName
  /** Runs on the row's targets: the selection if the row is in it, else the row alone. */
  readonly run: (id: string) => void
}

const pause: RowAction = {
  key: 'pause',
  label: t.pause,
  icon: 'pause',
  run: (id) => void commands.pause(targetsFor(id)),
}
const resume: RowAction = {
  key: 'resume',
  label: t.resume,
  icon: 'play',
  run: (id) => void commands.resume(targetsFor(id)),
}
const retry: RowAction = {
  key: 'retry',
  label: t.retry,
  icon: 'retry',
  run: (id) => void commands.retry(targetsFor(id)),
}
/** Past "Downloads at once": for a queued or paused download the person wants now. */
const startNow: RowAction = {
  key: 'start-now',
  label: t.startNow,
  icon: 'play',
  run: (id) => void commands.startNow(targetsFor(id)),
}
const remove: RowAction = {
  key: 'remove',
  label: t.remove,
  icon: 'trash',
  run: (id) => askRemove(targetsFor(id)),
}

/** The one action a row's main button does in each state (none once completed). */
export function primaryAction(state: DownloadState): RowAction | null {
  if (commands.canPause(state)) return pause
  if (state === 'paused') return resume
  if (state === 'failed') return retry
  return null
}

/** Everything the context menu offers for a row in this state. */
export function menuActions(state: DownloadState, copy: (id: string) => void): RowAction[] {
  const primary = primaryAction(state)
  // Desktop only: the browser page cannot reach the files.
  const files: RowAction[] = hasDesktopFiles()
    ? [
        ...(state === 'completed'
          ? [{ key: 'open', label: t.openFile, icon: 'open', run: openDownload } as const]
          : []),
        { key: 'folder', label: t.showInFolder, icon: 'folder', run: showDownload },
      ]
    : []
  return [
    ...files,
    ...(primary ? [primary] : []),
    ...(state === 'queued' || state === 'paused' ? [startNow] : []),
    { key: 'details', label: d.details, icon: 'more', run: openDetails },
    ...(state === 'paused' || state === 'failed'
      ? [{ key: 'change-url', label: d.changeUrl, icon: 'retry', run: askChangeUrl } as const]
      : []),
    { key: 'copy', label: t.copyUrl, icon: 'copy', run: copy },
    remove,
  ]
}

export { remove as removeAction }
