import './speed-limit.css'
import { useEffect, useId, useRef, useState } from 'react'
import type { FormEvent, KeyboardEvent } from 'react'
import { formatBytes } from '../../../../shared/format.ts'
import { DEFAULT_UI_PREFERENCES } from '../../../../shared/protocol/ui-preferences.ts'
import { useAppStore } from '../../store/app-store.ts'
import { ask } from '../../store/engine-door.ts'
import { applySettings } from '../settings/apply-settings.ts'

export const speedLimitText = {
  button: (limit: number) => (limit > 0 ? `Limit ${formatBytes(limit)}/s` : 'No speed limit'),
  dialog: 'Global speed limit',
  off: 'No limit',
  preset: (limit: number) => `${formatBytes(limit)}/s`,
  custom: 'Custom limit',
  customHint: 'A rate like 750K or 3M (per second)',
  apply: 'Set limit',
} as const

/**
 * The status bar's global speed limit: shows the engine's `maxOverallDownloadLimit` and sets it
 * in one click (off, the presets kept in the UI preferences, or a custom rate with units). The
 * engine parses and bounds the custom text; its refusal is shown under the field.
 */
export function SpeedLimit() {
  const limit = useAppStore((s) => s.downloads.settings?.maxOverallDownloadLimit ?? null)
  const [open, setOpen] = useState(false)
  const [presets, setPresets] = useState(DEFAULT_UI_PREFERENCES.speedLimitPresets)
  const [custom, setCustom] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const panelRef = useRef<HTMLDivElement>(null)
  const buttonRef = useRef<HTMLButtonElement>(null)
  const hintId = useId()
  const errorId = useId()

  useEffect(() => {
    if (!open) return
    let live = true
    // Older engines keep no preferences: the default presets stay.
    void ask('uiPreferences').then(
      (reply) => reply.ok && live && setPresets(reply.value.speedLimitPresets),
    )
    panelRef.current?.querySelector<HTMLElement>('[aria-checked="true"], button')?.focus()
    return () => {
      live = false
    }
  }, [open])

  if (limit === null) return null

  const close = (): void => {
    setOpen(false)
    setError(null)
    buttonRef.current?.focus()
  }
  const set = async (value: number | string): Promise<void> => {
    setBusy(true)
    const outcome = await applySettings({ maxOverallDownloadLimit: value })
    setBusy(false)
    if (outcome.ok) {
      setCustom('')
      close()
    } else setError(outcome.message)
  }
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault()
    if (custom.trim() !== '') void set(custom.trim())
  }

  const choices = [0, ...presets]
  // A radio group is one tab stop that arrows move through (Home and End to the ends). Arrows
  // only move: Enter or Space sets the limit, which closes the panel.
  const onChoiceKey = (event: KeyboardEvent): void => {
    const radios = [...event.currentTarget.querySelectorAll<HTMLElement>('[role="radio"]')]
    const at = radios.indexOf(document.activeElement as HTMLElement)
    const to = {
      ArrowDown: at + 1,
      ArrowRight: at + 1,
      ArrowUp: at - 1,
      ArrowLeft: at - 1,
      Home: 0,
      End: radios.length - 1,
    }[event.key]
    if (to === undefined || at < 0) return
    event.preventDefault()
    radios[(to + radios.length) % radios.length]?.focus()
  }

  return (
    <div className="speed-limit">
      <button
        ref={buttonRef}
        type="button"
        className="speed-limit__button"
        aria-expanded={open}
        aria-haspopup="dialog"
        data-limited={limit > 0}
        onClick={() => (open ? close() : setOpen(true))}
      >
        {speedLimitText.button(limit)}
      </button>
      {open && (
        <div
          ref={panelRef}
          role="dialog"
          aria-label={speedLimitText.dialog}
          className="speed-limit__panel"
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.stopPropagation()
              close()
            }
          }}
        >
          <div
            role="radiogroup"
            aria-label={speedLimitText.dialog}
            className="speed-limit__choices"
            onKeyDown={onChoiceKey}
          >
            {choices.map((value) => (
              <button
                key={value}
                type="button"
                role="radio"
                aria-checked={limit === value}
                tabIndex={value === (choices.includes(limit ?? -1) ? limit : 0) ? 0 : -1}
                disabled={busy}
                onClick={() => void set(value)}
              >
                {value === 0 ? speedLimitText.off : speedLimitText.preset(value)}
              </button>
            ))}
          </div>
          <form className="speed-limit__custom" onSubmit={onSubmit}>
            <label>
              {speedLimitText.custom}
              <input
                type="text"
                value={custom}
                placeholder="3M"
                aria-describedby={error ? `${errorId} ${hintId}` : hintId}
                aria-invalid={error !== null}
                onChange={(event) => {
                  setCustom(event.target.value)
                  setError(null)
                }}
              />
            </label>
            <button type="submit" className="button button--small" disabled={busy}>
              {speedLimitText.apply}
            </button>
            <p id={hintId} className="speed-limit__hint">
              {speedLimitText.customHint}
            </p>
            {error && (
              <p id={errorId} role="alert" className="field-error">
                {error}
              </p>
            )}
          </form>
        </div>
      )}
    </div>
  )
}
