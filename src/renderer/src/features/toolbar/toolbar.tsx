import './toolbar.css'
import { Icon } from '../../components/icon.tsx'
import type { IconName } from '../../components/icon.tsx'
import { Tooltip } from '../../components/tooltip.tsx'
import * as commands from '../../store/commands.ts'
import { useAppStore } from '../../store/app-store.ts'
import { openAddDialog } from '../../store/ui-actions.ts'
import { t } from '../../strings.ts'
import { ToolbarOverflow, type ToolAction } from './toolbar-overflow.tsx'

export const addUrlsLabel = 'Add URLs'
export const addUrlsUnavailableText = 'Available once the download engine is connected.'

function ToolButton(props: {
  label: string
  icon: IconName
  disabled: boolean
  onClick: () => void
  shortcut?: string
}) {
  return (
    <button
      type="button"
      className="button button--ghost"
      aria-disabled={props.disabled}
      aria-keyshortcuts={props.shortcut}
      onClick={() => {
        if (!props.disabled) props.onClick()
      }}
    >
      <Icon name={props.icon} />
      <span className="button__label">{props.label}</span>
    </button>
  )
}

/**
 * The title bar's actions: Add (opens the add dialog), and the bulk actions. Disabled buttons
 * use `aria-disabled`, so they stay focusable and explain themselves.
 */
export function Toolbar() {
  const connected = useAppStore(
    (s) => s.connection.status.kind === 'connected' && s.downloads.loaded,
  )
  const canPause = useAppStore((s) => s.view.counts.active + s.view.counts.queued > 0)
  const canResume = useAppStore((s) => s.view.counts.paused > 0)
  const canClear = useAppStore((s) => s.view.counts.completed > 0)
  const canRetry = useAppStore((s) => s.view.counts.failed > 0)
  const actions: ToolAction[] = [
    {
      key: 'pause-all',
      label: t.pauseAll,
      icon: 'pause',
      disabled: !connected || !canPause,
      run: () => void commands.pauseAll(),
    },
    {
      key: 'resume-all',
      label: t.resumeAll,
      icon: 'play',
      disabled: !connected || !canResume,
      run: () => void commands.resumeAll(),
    },
    {
      key: 'retry-failed',
      label: t.retryFailed,
      icon: 'retry',
      disabled: !connected || !canRetry,
      run: () => void commands.retryFailed(),
    },
    {
      key: 'remove-completed',
      label: t.removeCompleted,
      icon: 'broom',
      disabled: !connected || !canClear,
      run: () => void commands.removeCompleted(),
    },
  ]
  return (
    <div role="toolbar" aria-label={t.toolbar} className="toolbar">
      {actions.map((action) => (
        <ToolButton
          key={action.key}
          label={action.label}
          icon={action.icon}
          disabled={action.disabled}
          onClick={action.run}
        />
      ))}
      <ToolbarOverflow actions={actions} />
      <span className="toolbar__divider" aria-hidden="true" />
      {connected ? (
        <button type="button" className="button button--primary" onClick={() => openAddDialog()}>
          <Icon name="plus" />
          {addUrlsLabel}
        </button>
      ) : (
        <Tooltip text={addUrlsUnavailableText}>
          {(describedBy) => (
            <button
              type="button"
              className="button button--primary"
              aria-disabled="true"
              aria-describedby={describedBy}
            >
              <Icon name="plus" />
              {addUrlsLabel}
            </button>
          )}
        </Tooltip>
      )}
    </div>
  )
}
