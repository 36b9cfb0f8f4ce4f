import type { Settings } from '../../../../shared/protocol/model.ts'
import type { SettingsPatchInput } from '../../../../shared/protocol/setting-units.ts'
import { ask } from '../../store/engine-door.ts'

/** The engine's answer to a settings change: the stored settings, or its reason per field. */
export type SettingsOutcome =
  | { readonly ok: true; readonly settings: Settings }
  | { readonly ok: false; readonly field: string | null; readonly message: string }

/**
 * Sends a settings patch (values may carry units: `2M`, `30s`) and returns the engine's verdict.
 * Nothing is changed in the store here: the engine's `settings/changed` event does that, so the
 * window shows what the engine stored. A refusal names the field it is about (the RPC server
 * words it `updateSettings: 0.<field>: <reason>`), so a form can show it next to that field.
 */
export async function applySettings(patch: SettingsPatchInput): Promise<SettingsOutcome> {
  const reply = await ask('updateSettings', patch)
  return reply.ok ? { ok: true, settings: reply.value } : { ok: false, ...fieldOf(reply.message) }
}

/** Splits the engine's refusal into the field it names and the reason. */
export function fieldOf(message: string): { field: string | null; message: string } {
  const match = /^updateSettings: 0\.(\w+): (.*)$/s.exec(message)
  return match ? { field: match[1]!, message: match[2]! } : { field: null, message }
}
