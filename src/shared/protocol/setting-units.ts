import type { Settings } from './model.ts'

/** What a number in `Settings` measures, so a settings form can show and parse the unit. */
export type SettingUnit =
  'path' | 'count' | 'bytes' | 'bytes/s' | 'ms' | 'text' | 'url' | 'headers' | 'switch'

/** The unit of every engine setting (a form shows `2M`, `30s`; the engine stores bytes and ms). */
export const SETTING_UNITS: { readonly [K in keyof Settings]: SettingUnit } = {
  defaultDir: 'path',
  maxConcurrentDownloads: 'count',
  maxConnectionsPerHost: 'count',
  maxConnectionsPerDownload: 'count',
  minSplitSize: 'bytes',
  maxTries: 'count',
  retryWaitMs: 'ms',
  timeoutMs: 'ms',
  lowestSpeedLimit: 'bytes/s',
  maxOverallDownloadLimit: 'bytes/s',
  userAgent: 'text',
  proxy: 'url',
  headers: 'headers',
  aria2RpcEnabled: 'switch',
  aria2RpcSecret: 'text',
}

/** The settings whose values may be sent as text with a unit (`2M`, `30s`). */
type WithUnit =
  'minSplitSize' | 'retryWaitMs' | 'timeoutMs' | 'lowestSpeedLimit' | 'maxOverallDownloadLimit'

/**
 * A settings patch as a client sends it (`updateSettings`): sizes and rates may be a number of
 * bytes or text like `2M`; durations a number of ms or text like `30s` (the unit is required).
 * The engine answers with the stored form (`Settings`: bytes, bytes/s, ms).
 */
export type SettingsPatchInput = {
  [K in keyof Settings]?: K extends WithUnit ? number | string : Settings[K]
}
