import { useState } from 'react'
import type { UiPreferences } from '../../../../shared/protocol/ui-preferences.ts'
import { Icon } from '../../components/icon.tsx'
import { useAppStore } from '../../store/app-store.ts'
import { aria2RpcAddress, showsDesktopChoices } from './desktop-choices.ts'
import { updateUiPreferences, useUiPreferences } from './ui-preferences.ts'

export const desktopText = {
  group: 'Desktop',
  notifications: 'Notify when downloads finish',
  closeToTray: 'Keep running in the tray when the window is closed',
  rpcAddress: 'Address for browser extensions',
  copy: 'Copy address',
  copied: 'Copied',
} as const

type Choice = 'notifications' | 'closeToTray'

function DesktopChoice({ name }: { readonly name: Choice }) {
  const value = useUiPreferences((s) => s.preferences?.[name])
  const id = `desktop-${name}`
  return (
    <div className="settings__field settings__field--check">
      <input
        id={id}
        type="checkbox"
        checked={value ?? false}
        disabled={value === undefined}
        onChange={(event) =>
          void updateUiPreferences({ [name]: event.target.checked } as Partial<UiPreferences>)
        }
      />
      <label htmlFor={id}>{desktopText[name]}</label>
    </div>
  )
}

/**
 * Notifications and close to tray, in the desktop app only (the browser page has no tray). The
 * engine keeps them with the UI preferences; main follows `ui/changed`.
 */
export function DesktopFields() {
  const host = useAppStore((s) => s.connection.host)
  if (!showsDesktopChoices(host)) return null
  return (
    <fieldset className="settings__group">
      <legend>{desktopText.group}</legend>
      <DesktopChoice name="notifications" />
      <DesktopChoice name="closeToTray" />
    </fieldset>
  )
}

/** The aria2 RPC address next to its switch, with a button that copies it. */
export function Aria2Address() {
  const host = useAppStore((s) => s.connection.host)
  const address = aria2RpcAddress(host, window.location.origin)
  const [copied, setCopied] = useState(false)
  return (
    <div className="settings__address">
      <span className="settings__hint">{desktopText.rpcAddress}</span>
      <code data-testid="aria2-rpc-address">{address}</code>
      <button
        type="button"
        className="button"
        onClick={() =>
          void navigator.clipboard?.writeText(address).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        <Icon name="copy" />
        {desktopText.copy}
      </button>
      <span className="settings__saved" aria-live="polite">
        {copied ? desktopText.copied : ''}
      </span>
    </div>
  )
}
