import './settings-dialog.css'
import { useState } from 'react'
import type { Settings } from '../../../../shared/protocol/model.ts'
import { SETTING_UNITS } from '../../../../shared/protocol/setting-units.ts'
import type { UiPreferences } from '../../../../shared/protocol/ui-preferences.ts'
import { ModalDialog } from '../../components/modal-dialog.tsx'
import { useAppStore } from '../../store/app-store.ts'
import { applySettings } from './apply-settings.ts'
import { Aria2Address, DesktopFields } from './desktop-fields.tsx'
import { formatSetting, settingInput } from './setting-format.ts'
import { closeSettings, settingsText, useSettingsOpen } from './settings-open.ts'
import { SignOutButton } from './sign-out.tsx'
import { updateUiPreferences, useUiPreferences } from './ui-preferences.ts'

const LABELS: Record<keyof Settings, string> = {
  defaultDir: 'Download folder',
  maxConcurrentDownloads: 'Downloads at once',
  maxConnectionsPerHost: 'Connections per server',
  maxConnectionsPerDownload: 'Connections per download',
  minSplitSize: 'Smallest piece per connection',
  maxTries: 'Tries per download (0 = no limit)',
  retryWaitMs: 'Wait between tries',
  timeoutMs: 'Connection timeout',
  lowestSpeedLimit: 'Give up below this speed',
  maxOverallDownloadLimit: 'Global speed limit (0 = none)',
  userAgent: 'User agent',
  proxy: 'Proxy (empty = from the environment)',
  headers: 'Extra headers (Name: value, one a line)',
  aria2RpcEnabled: 'Accept downloads from browser extensions (aria2 RPC)',
  aria2RpcSecret: 'aria2 RPC secret (paste it into the extension)',
}

const HINTS: Partial<Record<string, string>> = {
  bytes: 'A size like 1M or 512K',
  'bytes/s': 'A rate per second like 2M or 750K',
  ms: 'A duration like 30s or 500ms',
}

/** Every engine setting, applied live one field at a time, and the window's appearance. */
export function SettingsDialog() {
  const open = useSettingsOpen((s) => s.open)
  const settings = useAppStore((s) => s.downloads.settings)
  if (!open || settings === null) return null
  return (
    <ModalDialog title={settingsText.title} onClose={closeSettings} className="settings">
      <div className="settings__body">
        <fieldset className="settings__group">
          <legend>{settingsText.appearance}</legend>
          <ThemeField />
        </fieldset>
        <DesktopFields />
        <fieldset className="settings__group">
          <legend>{settingsText.engine}</legend>
          {(Object.keys(SETTING_UNITS) as (keyof Settings)[]).map((key) => (
            <SettingField key={key} name={key} value={settings[key]} />
          ))}
        </fieldset>
      </div>
      <div className="modal__actions">
        <SignOutButton />
        <button type="button" className="button button--primary" onClick={closeSettings}>
          {settingsText.close}
        </button>
      </div>
    </ModalDialog>
  )
}

function ThemeField() {
  const theme = useUiPreferences((s) => s.preferences?.theme ?? 'system')
  return (
    <label className="settings__field">
      <span>{settingsText.theme}</span>
      <select
        value={theme}
        onChange={(event) =>
          void updateUiPreferences({ theme: event.target.value as UiPreferences['theme'] })
        }
      >
        {(['system', 'light', 'dark'] as const).map((value) => (
          <option key={value} value={value}>
            {settingsText.themes[value]}
          </option>
        ))}
      </select>
    </label>
  )
}

/**
 * One setting: shows the engine's value in units; on Enter or leaving the field a change is sent
 * and the engine's verdict shown — its reason under the field, or the stored value.
 */
function SettingField({ name, value }: { name: keyof Settings; value: Settings[keyof Settings] }) {
  const unit = SETTING_UNITS[name]
  const stored = formatSetting(unit, value)
  const [draft, setDraft] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState(false)
  const id = `setting-${name}`
  const text = draft ?? stored
  const commit = async (): Promise<void> => {
    if (draft === null || draft === stored) {
      setDraft(null)
      return
    }
    const outcome = await applySettings(settingInput(name, unit, draft))
    if (outcome.ok) {
      setDraft(null)
      setError(null)
      setSaved(true)
    } else setError(outcome.message)
  }
  const describedBy = [error ? `${id}-error` : null, HINTS[unit] ? `${id}-hint` : null]
    .filter(Boolean)
    .join(' ')
  const common = {
    id,
    name,
    value: text,
    'aria-invalid': error !== null,
    'aria-describedby': describedBy || undefined,
    onBlur: () => void commit(),
    onChange: (event: { target: { value: string } }) => {
      setDraft(event.target.value)
      setError(null)
      setSaved(false)
    },
  }
  return (
    <div className="settings__field">
      <label htmlFor={id}>{LABELS[name]}</label>
      {unit === 'switch' ? (
        <input
          id={id}
          name={name}
          type="checkbox"
          checked={value === true}
          aria-invalid={error !== null}
          aria-describedby={describedBy || undefined}
          onChange={(event) => {
            const checked = event.target.checked
            void applySettings(settingInput(name, unit, String(checked))).then((outcome) => {
              setError(outcome.ok ? null : outcome.message)
              setSaved(outcome.ok)
            })
          }}
        />
      ) : unit === 'headers' ? (
        <textarea rows={3} {...common} />
      ) : (
        <input
          type="text"
          inputMode={unit === 'count' ? 'numeric' : undefined}
          {...common}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault()
              void commit()
            }
          }}
        />
      )}
      {HINTS[unit] && (
        <p id={`${id}-hint`} className="settings__hint">
          {HINTS[unit]}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} role="alert" className="field-error">
          {error}
        </p>
      )}
      {name === 'aria2RpcEnabled' && <Aria2Address />}
      {saved && !error && (
        <p className="settings__saved" aria-live="polite">
          {settingsText.saved}
        </p>
      )}
    </div>
  )
}
