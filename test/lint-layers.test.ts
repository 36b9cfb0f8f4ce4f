import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

/**
 * The layer rules of docs/architecture.md are lint errors. This proves them against the real
 * eslint.config.js: a file placed in each folder with a forbidden import must fail to lint.
 */
const eslint = new ESLint({ cwd: process.cwd() })

async function ruleIdsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? [])
    .filter((m) => m.severity === 2)
    .map((m) => m.ruleId ?? 'parse-error')
}

describe('layer rules', () => {
  const forbidden: [string, string][] = [
    ['src/engine/probe.ts', "import { app } from 'electron'\nexport const x = app\n"],
    ['src/engine/probe.ts', "import { useState } from 'react'\nexport const x = useState\n"],
    [
      'src/shared/probe.ts',
      "import { readFile } from 'node:fs/promises'\nexport const x = readFile\n",
    ],
    ['src/shared/probe.ts', "import { join } from 'path'\nexport const x = join\n"],
    ['src/shared/probe.ts', "import { ipcMain } from 'electron'\nexport const x = ipcMain\n"],
    [
      'src/renderer/src/probe.ts',
      "import { readFile } from 'node:fs'\nexport const x = readFile\n",
    ],
    [
      'src/renderer/src/probe.ts',
      "import { ipcRenderer } from 'electron'\nexport const x = ipcRenderer\n",
    ],
    ['src/main/probe.ts', "import { App } from '../renderer/src/app.tsx'\nexport const x = App\n"],
    [
      'src/cli/probe.ts',
      "import { BrowserWindow } from 'electron'\nexport const x = BrowserWindow\n",
    ],
  ]
  it.each(forbidden)('%s: rejects %s', async (file, code) => {
    expect(await ruleIdsFor(file, code)).toContain('no-restricted-imports')
  })

  const allowed: [string, string][] = [
    [
      'src/engine/probe.ts',
      "import { readFile } from 'node:fs/promises'\nexport const x = readFile\n",
    ],
    ['src/main/probe.ts', "import { app } from 'electron'\nexport const x = app\n"],
    ['src/renderer/src/probe.ts', "import { create } from 'zustand'\nexport const x = create\n"],
  ]
  it.each(allowed)('%s: accepts %s', async (file, code) => {
    expect(await ruleIdsFor(file, code)).toEqual([])
  })

  describe('features reach the engine through the door only', () => {
    const feature = 'src/renderer/src/features/probe/probe.ts'
    const wrong: string[] = [
      "import { currentClient } from '../../store/engine-sink.ts'\nexport const x = currentClient\n",
      "import { onClientChange } from '../../store/engine-sink'\nexport const x = onClientChange\n",
      "import * as sink from '../../store/engine-sink.ts'\nexport const x = sink\n",
      "import { connectToEngine } from '../../lib/connection/index.ts'\nexport const x = connectToEngine\n",
      "import { createEngineClient } from '../../../../shared/protocol/rpc.ts'\nexport const x = createEngineClient\n",
      "import type { EngineClient } from '../../../../shared/protocol/rpc.ts'\nexport type X = EngineClient\n",
    ]
    it.each(wrong)('rejects %s', async (code) => {
      expect(await ruleIdsFor(feature, code)).toContain('no-restricted-imports')
    })

    const right: string[] = [
      "import { send } from '../../store/engine-door.ts'\nexport const x = send\n",
      "import { pickFolder } from '../../store/engine-sink.ts'\nexport const x = pickFolder\n",
    ]
    it.each(right)('accepts %s', async (code) => {
      expect(await ruleIdsFor(feature, code)).toEqual([])
    })

    it('still holds the renderer rules there (no Node builtins)', async () => {
      const code = "import { readFile } from 'node:fs'\nexport const x = readFile\n"
      expect(await ruleIdsFor(feature, code)).toContain('no-restricted-imports')
    })

    it('leaves the store, which holds the connection, alone', async () => {
      const code =
        "import { currentClient } from './engine-sink.ts'\nexport const x = currentClient\n"
      expect(await ruleIdsFor('src/renderer/src/store/probe.ts', code)).toEqual([])
    })
  })

  it('rejects non-erasable TypeScript (enums) everywhere', async () => {
    expect(await ruleIdsFor('src/engine/probe.ts', 'export enum Color { Red }\n')).toContain(
      'no-restricted-syntax',
    )
  })
})
