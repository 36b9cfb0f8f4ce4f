import { Icon } from '../../components/icon.tsx'
import { useAppStore } from '../../store/app-store.ts'
import { pickFolder } from '../../store/engine-sink.ts'
import { t } from '../../strings.ts'

/**
 * "Choose…" beside a typed folder: the desktop's folder picker. Nothing in a browser, which has
 * no picker that yields a path (the folder is typed there).
 */
export function PickFolderButton({ onPick }: { onPick: (folder: string) => void }) {
  const canPick = useAppStore((s) => s.connection.canPickFolder)
  if (!canPick) return null
  return (
    <button
      type="button"
      className="button"
      onClick={() => void pickFolder().then((folder) => folder !== null && onPick(folder))}
    >
      <Icon name="folder" />
      {t.addDialog.choose}
    </button>
  )
}
