import * as v from 'valibot'
import type { UiPreferences } from '../shared/protocol/ui-preferences.ts'

/**
 * The desktop shell's own choices: notifications and close to tray. Since the window's settings
 * view shows them, the engine's UI preferences hold them (so the view, the tray menu and main
 * agree); `userData/desktop-settings.json` is main's copy, read at start before the engine
 * answers, and `keptByEngine` says the copy was handed to the engine once already.
 */
const schema = v.object({
  notifications: v.optional(v.boolean(), true),
  closeToTray: v.optional(v.boolean(), false),
  keptByEngine: v.optional(v.boolean(), false),
})

export type DesktopSettings = v.InferOutput<typeof schema>

/** Reads `userData/desktop-settings.json`'s content; anything unreadable means the defaults. */
export function parseDesktopSettings(raw: unknown): DesktopSettings {
  const parsed = v.safeParse(schema, raw)
  return parsed.success ? parsed.output : v.parse(schema, {})
}

/**
 * Main meets the engine's preferences (on each connection). The first time, the choices made in
 * the tray menu before the engine kept them are handed over (`push`); after that the engine's
 * preferences are the truth, whoever changed them (the settings view, another window).
 */
export function syncDesktopSettings(
  local: DesktopSettings,
  engine: Pick<UiPreferences, 'notifications' | 'closeToTray'>,
): { settings: DesktopSettings; push: Partial<UiPreferences> | null } {
  if (!local.keptByEngine) {
    const push: Partial<UiPreferences> = {}
    if (local.notifications !== engine.notifications) push.notifications = local.notifications
    if (local.closeToTray !== engine.closeToTray) push.closeToTray = local.closeToTray
    return {
      settings: { ...local, keptByEngine: true },
      push: Object.keys(push).length > 0 ? push : null,
    }
  }
  return {
    settings: {
      notifications: engine.notifications,
      closeToTray: engine.closeToTray,
      keptByEngine: true,
    },
    push: null,
  }
}
