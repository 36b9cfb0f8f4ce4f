import * as v from 'valibot'

export type Rect = { x: number; y: number; width: number; height: number }

/** Saved in userData/window-state.json. */
const savedSchema = v.object({
  x: v.pipe(v.number(), v.integer()),
  y: v.pipe(v.number(), v.integer()),
  width: v.pipe(v.number(), v.integer(), v.minValue(1)),
  height: v.pipe(v.number(), v.integer(), v.minValue(1)),
  maximized: v.optional(v.boolean(), false),
})

export type SavedWindowState = v.InferOutput<typeof savedSchema>

export const DEFAULT_SIZE = { width: 1100, height: 720 }
export const MIN_SIZE = { width: 640, height: 420 }
/** At least this much of the title bar must be on a screen, or the window cannot be grabbed. */
const VISIBLE = { width: 120, height: 40 }

/**
 * Where to open the window: the saved bounds if they still fit the screens that are attached
 * now (a monitor may have gone, or the resolution changed), shrunk to the screen they are on
 * if too big; otherwise the default size, centred on the primary screen's work area.
 */
export function restoreWindowState(
  saved: unknown,
  workAreas: readonly Rect[],
): SavedWindowState & { restored: boolean } {
  const primary = workAreas[0] ?? { x: 0, y: 0, ...DEFAULT_SIZE }
  const fallback = () => {
    const width = Math.min(DEFAULT_SIZE.width, primary.width)
    const height = Math.min(DEFAULT_SIZE.height, primary.height)
    return {
      x: primary.x + Math.round((primary.width - width) / 2),
      y: primary.y + Math.round((primary.height - height) / 2),
      width,
      height,
      maximized: false,
      restored: false,
    }
  }
  const parsed = v.safeParse(savedSchema, saved)
  if (!parsed.success) return fallback()
  const bounds = parsed.output
  const area = workAreas.find((a) => titleBarVisible(bounds, a))
  if (!area) return fallback()
  const width = Math.max(Math.min(bounds.width, area.width), Math.min(MIN_SIZE.width, area.width))
  const height = Math.max(
    Math.min(bounds.height, area.height),
    Math.min(MIN_SIZE.height, area.height),
  )
  // Shrunk windows are moved back inside the screen they were on.
  const x = Math.min(Math.max(bounds.x, area.x), area.x + area.width - width)
  const y = Math.min(Math.max(bounds.y, area.y), area.y + area.height - height)
  return { x, y, width, height, maximized: bounds.maximized, restored: true }
}

function titleBarVisible(bounds: Rect, area: Rect): boolean {
  const left = Math.max(bounds.x, area.x)
  const right = Math.min(bounds.x + bounds.width, area.x + area.width)
  const top = Math.max(bounds.y, area.y)
  const bottom = Math.min(bounds.y + VISIBLE.height, area.y + area.height)
  return right - left >= VISIBLE.width && bottom - top >= VISIBLE.height && bounds.y >= area.y - 5
}
