import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'
import { ENGINE_FLOORS } from '../lint/engine-floors.js'

/**
 * The engine's floors (lint/engine-floors.js) are lint errors. This proves the rule against the
 * real eslint.config.js: a file placed on a floor with an import from a floor above must fail.
 */
const eslint = new ESLint({ cwd: process.cwd() })

async function floorErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'local/engine-floors' && m.severity === 2)
    .map((m) => m.message)
}

describe('engine floors', () => {
  // The four imports that ran back up before engine/model/ existed, and a few more.
  const upward: [string, string][] = [
    ['src/engine/transfer/probe.ts', "import type { X } from '../scheduler/download-record.ts'"],
    ['src/engine/storage/probe.ts', "import { NO_HEADERS } from '../scheduler/build-record.ts'"],
    ['src/engine/transfer/probe.ts', "import { buildSegmentMap } from '../details/segment-map.ts'"],
    ['src/engine/details/probe.ts', "import type { X } from '../scheduler/duplicate-index.ts'"],
    ['src/engine/model/probe.ts', "import { x } from '../segments/byte-ranges.ts'"],
    ['src/engine/segments/probe.ts', "export { x } from '../naming/unique-name.ts'"],
    ['src/engine/scheduler/probe.ts', "import { createEngine } from '../engine.ts'"],
    ['src/engine/memory-limits.ts', "import { x } from './stats/shared-stats.ts'"],
  ]
  it.each(upward)('%s: rejects %s', async (file, code) => {
    const errors = await floorErrors(file, `${code}\nexport const y = 1\n`)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/must not import src\/engine\//)
  })

  const downward: [string, string][] = [
    ['src/engine/scheduler/probe.ts', "import { replaceUrl } from '../details/replace-url.ts'"],
    ['src/engine/transfer/probe.ts', "import type { X } from '../model/download-record.ts'"],
    ['src/engine/stats/probe.ts', "import { x } from '../segments/segment-speed.ts'"],
    ['src/engine/engine.ts', "import { Scheduler } from './scheduler/scheduler.ts'"],
    ['src/engine/storage/probe.ts', "import { x } from '../../shared/protocol/model.ts'"],
    // tests set up whatever they test
    ['src/engine/storage/probe.test.ts', "import { x } from '../scheduler/build-record.ts'"],
  ]
  it.each(downward)('%s: accepts %s', async (file, code) => {
    expect(await floorErrors(file, `${code}\nexport const y = 1\n`)).toEqual([])
  })

  it('reports a room that is on no floor, so the plan cannot go stale', async () => {
    const errors = await floorErrors(
      'src/engine/cache/probe.ts',
      "import { x } from '../model/download-record.ts'\nexport const y = x\n",
    )
    expect(errors).toEqual([expect.stringMatching(/src\/engine\/cache is on no floor/)])
  })

  it('places every room of src/engine today', async () => {
    const { readdir } = await import('node:fs/promises')
    const rooms = (await readdir('src/engine', { withFileTypes: true }))
      .filter((e) => e.isDirectory() || !/\.test\.ts$/.test(e.name))
      .map((e) => e.name)
    const placed = ENGINE_FLOORS.flat()
    expect(rooms.filter((room) => !placed.includes(room))).toEqual([])
  })
})
