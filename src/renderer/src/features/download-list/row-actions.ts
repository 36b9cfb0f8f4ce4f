import { ERROR_CODES } from '../../../../shared/protocol/errors.ts'
import type { DownloadState } from '../../../../shared/protocol/model.ts'
import { useAppStore } from '../../store/app-store.ts'
import * as commands from '../../store/commands.ts'
import { askRemove, targetsFor } from '../../store/ui-actions.ts'
import { t } from '../../strings.ts'
import type { IconName } from '../../components/icon.tsx'
import { hasDesktopFiles } from '../../lib/desktop.ts'
import { downloadAgain, missingWords, openChecked } from './download-again-row.ts'
import { askChangeFolder, askChangeUrl, openDetails } from '../details/details-store.ts'
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
    | 'choose-folder'
    | 'download-again'
    | 'remove-from-list'
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

/** A completed download whose file is gone: fetched again under its name. */
const again: RowAction = {
  key: 'download-again',
  label: missingWords.downloadAgain,
  icon: 'retry',
  run: (id) => void downloadAgain(targetsFor(id)),
}
/** Nothing on disk to lose: removed without asking. */
const removeFromList: RowAction = {
  key: 'remove-from-list',
  label: missingWords.removeFromList,
  icon: 'trash',
  run: (id) => void commands.remove(targetsFor(id), false),
}

/**
 * The row's targets whose folder went away (the row itself when none is: its menu said so).
 * One folder chosen for all of them, in one call.
 */
export function folderGoneTargets(id: string): string[] {
  const { byId } = useAppStore.getState().downloads
  const gone = targetsFor(id).filter((x) => isFolderGone(byId[x]))
  return gone.length > 0 ? gone : [id]
}

export function isFolderGone(
  d: { state: DownloadState; error: { code: string } | null } | undefined,
): boolean {
  return d?.state === 'failed' && d.error?.code === ERROR_CODES.folderGone
}

/** A download whose folder went away: another folder, chosen once for the selection. */
const chooseFolder: RowAction = {
  key: 'choose-folder',
  label: d.chooseFolder,
  icon: 'folder',
  run: (id) => askChangeFolder(folderGoneTargets(id)),
}

/**
 * The one action a row's main button does in each state (none once completed, unless its file
 * is gone: then "Download again"; a failed one whose folder is gone: "Choose another folder…").
 */
export function primaryAction(
  state: DownloadState,
  fileMissing = false,
  folderGone = false,
): RowAction | null {
  if (state === 'completed' && fileMissing) return again
  if (state === 'failed' && folderGone) return chooseFolder
  if (commands.canPause(state)) return pause
  if (state === 'paused') return resume
  if (state === 'failed') return retry
  return null
}

/** Everything the context menu offers for a row in this state. */
export function menuActions(
  state: DownloadState,
  copy: (id: string) => void,
  fileMissing = false,
  folderGone = false,
): RowAction[] {
  const missing = state === 'completed' && fileMissing
  const gone = state === 'failed' && folderGone
  const primary = primaryAction(state, fileMissing, folderGone)
  // Desktop only: the browser page cannot reach the files.
  const files: RowAction[] =
    hasDesktopFiles() && !missing
      ? [
          ...(state === 'completed'
            ? [
                {
                  key: 'open',
                  label: t.openFile,
                  icon: 'open',
                  run: (id: string) => void openChecked(id, 'open'),
                } as const,
              ]
            : []),
          {
            key: 'folder',
            label: t.showInFolder,
            icon: 'folder',
            run: (id: string) => void openChecked(id, 'show'),
          },
        ]
      : []
  return [
    ...files,
    ...(primary ? [primary] : []),
    // Retry stays offered: the folder may be back (a drive mounted again).
    ...(gone ? [retry] : []),
    ...(state === 'queued' || state === 'paused' ? [startNow] : []),
    { key: 'details', label: d.details, icon: 'more', run: openDetails },
    ...(state === 'paused' || state === 'failed'
      ? [{ key: 'change-url', label: d.changeUrl, icon: 'retry', run: askChangeUrl } as const]
      : []),
    { key: 'copy', label: t.copyUrl, icon: 'copy', run: copy },
    missing ? removeFromList : remove,
  ]
}

export { remove as removeAction }
