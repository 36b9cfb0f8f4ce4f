import fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { Settings } from './model.ts'
import { MAX_DOWNLOADS, MAX_SEGMENTS } from '../../engine/stats/shared-stats.ts'
import {
  describeIssues,
  MAX_CONCURRENT_DOWNLOADS,
  settingsPatchInputSchema,
  settingsSchema,
} from './schemas.ts'
import { SETTING_UNITS, type SettingsPatchInput } from './setting-units.ts'
import { uiPreferencesPatchSchema, type UiPreferences } from './ui-preferences.ts'
import type { uiPreferencesSchema } from './ui-preferences.ts'

function parse(input: unknown): string | Partial<Settings> {
  const result = v.safeParse(settingsPatchInputSchema, input)
  return result.success ? result.output : describeIssues(result.issues)
}

describe('settings with units', () => {
  it('types: input may carry units, output is the stored form', () => {
    expectTypeOf<
      v.InferInput<typeof settingsPatchInputSchema>
    >().toEqualTypeOf<SettingsPatchInput>()
    expectTypeOf<v.InferOutput<typeof settingsPatchInputSchema>>().toEqualTypeOf<
      Partial<Settings>
    >()
    expectTypeOf<v.InferOutput<typeof uiPreferencesSchema>>().toEqualTypeOf<UiPreferences>()
  })

  it('turns sizes, rates and durations with units into bytes and ms', () => {
    expect(
      parse({
        minSplitSize: '2M',
        maxOverallDownloadLimit: '512K',
        lowestSpeedLimit: '1024',
        timeoutMs: '30s',
        retryWaitMs: '500ms',
      }),
    ).toEqual({
      minSplitSize: 2 * 1024 * 1024,
      maxOverallDownloadLimit: 512 * 1024,
      lowestSpeedLimit: 1024,
      timeoutMs: 30_000,
      retryWaitMs: 500,
    })
    expect(parse({ maxOverallDownloadLimit: 0, timeoutMs: 2000 })).toEqual({
      maxOverallDownloadLimit: 0,
      timeoutMs: 2000,
    })
  })

  it.each([
    [{ minSplitSize: '2X' }, 'minSplitSize: "2X" is not a size like 2M, 512K or 1048576'],
    [{ minSplitSize: '16K' }, 'minSplitSize: must be at least 64K'],
    [{ minSplitSize: '2G' }, 'minSplitSize: must be at most 1G'],
    [{ timeoutMs: '30' }, 'timeoutMs: "30" is not a duration like 30s or 500ms'],
    [{ timeoutMs: '50ms' }, 'timeoutMs: must be at least 100ms'],
    [{ retryWaitMs: '2h' }, 'retryWaitMs: must be at most 3600s'],
    [{ maxOverallDownloadLimit: -1 }, 'maxOverallDownloadLimit: must be at least 0 bytes'],
    [{ maxOverallDownloadLimit: 1.5 }, 'maxOverallDownloadLimit: must be a whole number'],
    [
      { maxOverallDownloadLimit: true },
      'maxOverallDownloadLimit: must be a number or a size like 2M, 512K or 1048576',
    ],
    [{ defaultDir: 'downloads' }, 'defaultDir: must be an absolute path'],
    [{ maxConcurrentDownloads: 0 }, /^maxConcurrentDownloads: /],
    [{ userAgent: 'a\nb' }, 'userAgent: must not contain line breaks'],
    [
      { aria2RpcSecret: 'fifteen-chars15' },
      'aria2RpcSecret: must be at least 16 characters long (or empty: a new one is generated)',
    ],
    [{ surprise: 1 }, /^surprise: /],
  ])('refuses %j naming the field and why', (input, message) => {
    expect(parse(input)).toMatch(message)
  })

  it('accepts absolute paths of every OS for the default folder', () => {
    for (const dir of ['/home/a/Downloads', 'C:\\Users\\a\\Downloads', 'D:/x', '\\\\server\\share'])
      expect(parse({ defaultDir: dir })).toEqual({ defaultDir: dir })
  })

  it('takes an aria2 RPC secret of 16 characters or more, or empty (the listener makes one)', () => {
    for (const secret of ['', 'sixteen-chars-16', 'x'.repeat(256)])
      expect(parse({ aria2RpcSecret: secret })).toEqual({ aria2RpcSecret: secret })
    // The stored form stays lenient: a settings file from before the rule still loads.
    expect(v.safeParse(settingsSchema.entries.aria2RpcSecret, 'short').success).toBe(true)
  })

  it('every setting has a unit, and the stored schema has every setting', () => {
    expect(Object.keys(SETTING_UNITS).sort()).toEqual(Object.keys(settingsSchema.entries).sort())
  })
})

describe('every setting refuses in the words of the app', () => {
  // valibot's own wording ("Invalid type: Expected number but received \"abc\"", "Expected
  // <=100") is the library's, not a sentence a person can act on.
  const raw = /Invalid (type|value|key|length|URL)|Expected|[Rr]eceived/

  it('property: any value for any setting is stored or refused with a sentence', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(SETTING_UNITS) as (keyof Settings)[])),
        fc.oneof(
          fc.anything(),
          fc.integer({ min: -10, max: 1e7 }),
          fc.double(),
          fc.string({ maxLength: 8 }),
        ),
        (key, value) => {
          const outcome = parse({ [key]: value })
          if (typeof outcome === 'string') {
            expect(outcome).toMatch(new RegExp(`^${key}[.:]`))
            expect(outcome).not.toMatch(raw)
          }
        },
      ),
      { numRuns: 2000 },
    )
  })

  it.each([
    [{ maxConcurrentDownloads: 1001 }, 'maxConcurrentDownloads: must be at most 1,000 at once'],
    [{ maxConcurrentDownloads: 0 }, 'maxConcurrentDownloads: must be at least 1 at once'],
    [
      { maxConcurrentDownloads: 'many' },
      'maxConcurrentDownloads: must be a whole number from 1 to 1,000',
    ],
    [
      { maxConnectionsPerDownload: 33 },
      'maxConnectionsPerDownload: must be at most 32 connections per download',
    ],
    [{ maxConnectionsPerHost: 2.5 }, 'maxConnectionsPerHost: must be a whole number from 1 to 64'],
    [{ maxTries: -1 }, 'maxTries: must be at least 0'],
    [
      { proxy: 'nowhere' },
      'proxy: must be a proxy address like http://proxy.example:3128, or empty',
    ],
    [{ aria2RpcEnabled: 'yes' }, 'aria2RpcEnabled: must be on or off'],
    [{ userAgent: '' }, 'userAgent: must not be empty'],
    [{ surprise: 1 }, 'surprise: is not a setting'],
  ])('refuses %j with "%s"', (input, message) => {
    expect(parse(input)).toBe(message)
  })

  it('takes up to 1,000 downloads at once (10,000 queued with 100 active ran at 6 % CPU)', () => {
    expect(parse({ maxConcurrentDownloads: 250 })).toEqual({ maxConcurrentDownloads: 250 })
    expect(parse({ maxConcurrentDownloads: 1000 })).toEqual({ maxConcurrentDownloads: 1000 })
  })

  it('the most downloads at once fit the shared statistics, with a first connection each', () => {
    expect(MAX_CONCURRENT_DOWNLOADS).toBeLessThanOrEqual(MAX_DOWNLOADS)
    expect(MAX_SEGMENTS).toBeGreaterThan(2 * MAX_DOWNLOADS)
  })
})

describe('UI preferences', () => {
  it('accepts a full patch and refuses unknown themes, bad column ids, absurd widths', () => {
    const ok = v.safeParse(uiPreferencesPatchSchema, {
      theme: 'dark',
      sort: { column: 'size', direction: 'desc' },
      columnWidths: { name: 320, progress: 160 },
      filter: { text: 'iso', states: ['downloading', 'paused'] },
      notifications: false,
      closeToTray: true,
      speedLimitPresets: [1024, 1048576],
    })
    expect(ok.success).toBe(true)
    const bad = (patch: unknown) => {
      const r = v.safeParse(uiPreferencesPatchSchema, patch)
      return r.success ? 'ok' : describeIssues(r.issues)
    }
    expect(bad({ theme: 'pink' })).toMatch(/^theme: /)
    expect(bad({ columnWidths: { 'Bad Column': 10 } })).toMatch(/is not a column id/)
    expect(bad({ columnWidths: { name: 5 } })).toMatch(/^columnWidths\.name: /)
    expect(bad({ sort: { column: 'name' } })).toMatch(/^sort\.direction: /)
    expect(bad({ filter: { text: 'x', states: ['sleeping'] } })).toMatch(/^filter\.states\.0: /)
    expect(bad({ extra: 1 })).toMatch(/^extra: /)
  })
})
