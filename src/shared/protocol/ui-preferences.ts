import * as v from 'valibot'
import { DOWNLOAD_STATES, type DownloadState } from './model.ts'

/**
 * The window's own preferences, kept by the engine (not by each window's storage) so a desktop
 * window and a browser tab on `downpour serve` see the same: theme, sorting, column widths,
 * filter, and the desktop-only choices. The engine does not interpret them beyond validating
 * their shape; column ids are the UI's own names.
 */
export type UiPreferences = {
  theme: 'system' | 'light' | 'dark'
  sort: { column: string; direction: 'asc' | 'desc' }
  /** Column id → width in CSS pixels. */
  columnWidths: Record<string, number>
  /** The list's filter: free text and the states shown (empty = all). */
  filter: { text: string; states: DownloadState[] }
  /** Desktop only: a notification when a download completes or fails. */
  notifications: boolean
  /** Desktop only: closing the window keeps Downpour running in the tray. */
  closeToTray: boolean
  /** The status bar's one-click global speed limits, bytes/s. */
  speedLimitPresets: number[]
}

export const DEFAULT_UI_PREFERENCES: UiPreferences = {
  theme: 'system',
  sort: { column: 'queue', direction: 'asc' },
  columnWidths: {},
  filter: { text: '', states: [] },
  notifications: true,
  closeToTray: false,
  speedLimitPresets: [512 * 1024, 2 * 1024 * 1024, 10 * 1024 * 1024],
}

const columnId = v.pipe(
  v.string(),
  v.regex(/^[a-z][a-zA-Z0-9-]{0,31}$/, 'is not a column id (a-z, 0-9, -, at most 32)'),
)

export const uiPreferencesSchema = v.strictObject({
  theme: v.picklist(['system', 'light', 'dark']),
  sort: v.strictObject({ column: columnId, direction: v.picklist(['asc', 'desc']) }),
  columnWidths: v.pipe(
    v.record(columnId, v.pipe(v.number(), v.integer(), v.minValue(16), v.maxValue(4000))),
    v.check((widths) => Object.keys(widths).length <= 64, 'has more than 64 columns'),
  ),
  filter: v.strictObject({
    text: v.pipe(v.string(), v.maxLength(500)),
    states: v.pipe(v.array(v.picklist(DOWNLOAD_STATES)), v.maxLength(DOWNLOAD_STATES.length)),
  }),
  notifications: v.boolean(),
  closeToTray: v.boolean(),
  speedLimitPresets: v.pipe(
    v.array(v.pipe(v.number(), v.integer(), v.minValue(1))),
    v.maxLength(12),
  ),
})

/** A patch replaces whole top-level fields (send the full `sort`, the full `filter`). */
export const uiPreferencesPatchSchema = v.partial(uiPreferencesSchema)
