import type { Settings } from '../../../../shared/protocol/model.ts'
import type { SettingUnit } from '../../../../shared/protocol/setting-units.ts'
import type { SettingsPatchInput } from '../../../../shared/protocol/setting-units.ts'

/** A stored setting as a person reads and types it: `2M` for bytes, `30s` for ms. */
export function formatSetting(unit: SettingUnit, value: Settings[keyof Settings]): string {
  if (value === null) return ''
  if (unit === 'headers')
    return Object.entries(value as Record<string, string>)
      .map(([name, v]) => `${name}: ${v}`)
      .join('\n')
  if (typeof value !== 'number') return String(value)
  if (unit === 'bytes' || unit === 'bytes/s') {
    for (const [suffix, scale] of [
      ['G', 1024 ** 3],
      ['M', 1024 ** 2],
      ['K', 1024],
    ] as const)
      if (value >= scale && value % scale === 0) return `${value / scale}${suffix}`
    return String(value)
  }
  if (unit === 'ms') return value % 1000 === 0 ? `${value / 1000}s` : `${value}ms`
  return String(value)
}

/**
 * What a field's text is sent as. Units stay text for the engine to parse and bound (one parser,
 * the engine's); counts become numbers, an empty proxy is null (the environment's), headers are
 * `Name: value` lines. A count that is not a number is sent as text so the engine says why.
 */
export function settingInput<K extends keyof Settings>(
  key: K,
  unit: SettingUnit,
  text: string,
): SettingsPatchInput {
  const value = text.trim()
  switch (unit) {
    case 'count':
      return { [key]: /^\d+$/.test(value) ? Number(value) : value } as SettingsPatchInput
    case 'url':
      return { [key]: value === '' ? null : value } as SettingsPatchInput
    case 'switch':
      return { [key]: value === 'true' } as SettingsPatchInput
    case 'headers': {
      const headers: Record<string, string> = {}
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue
        const colon = line.indexOf(':')
        headers[colon < 0 ? line.trim() : line.slice(0, colon).trim()] =
          colon < 0 ? '' : line.slice(colon + 1).trim()
      }
      return { [key]: headers } as SettingsPatchInput
    }
    default:
      return { [key]: value } as SettingsPatchInput
  }
}
