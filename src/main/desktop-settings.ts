import * as v from 'valibot'

/** The desktop shell's own preferences (the engine keeps its settings in its queue file). */
const schema = v.object({
  notifications: v.optional(v.boolean(), true),
  closeToTray: v.optional(v.boolean(), false),
})

export type DesktopSettings = v.InferOutput<typeof schema>

/** Reads `userData/desktop-settings.json`'s content; anything unreadable means the defaults. */
export function parseDesktopSettings(raw: unknown): DesktopSettings {
  const parsed = v.safeParse(schema, raw)
  return parsed.success ? parsed.output : v.parse(schema, {})
}
