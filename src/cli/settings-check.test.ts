import { describe, expect, it } from 'vitest'
import { defaultSettings } from '../engine/engine.ts'
import { settingsProblem } from './settings-check.ts'

describe('settingsProblem', () => {
  it('accepts the defaults', () => {
    expect(settingsProblem(defaultSettings())).toBeNull()
  })

  it('names the flag, not the engine field, for a value the engine would refuse', () => {
    expect(settingsProblem({ ...defaultSettings(), timeoutMs: 7_200_000 })).toMatch(
      /^--timeout: .*3600/,
    )
    expect(settingsProblem({ ...defaultSettings(), minSplitSize: 8 * 1024 ** 3 })).toMatch(
      /^--min-split-size: /,
    )
  })
})
