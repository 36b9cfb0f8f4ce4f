import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findRendererDir, rendererDirFor } from './serve-command.ts'

describe('where serve finds the built UI', () => {
  const repo = resolve('/opt/downpour')
  const built = join(repo, 'out', 'renderer')

  it('from the sources (src/cli) it is the build in out/renderer, not src/renderer', () => {
    expect(rendererDirFor(join(repo, 'src', 'cli'))).toBe(built)
  })

  it('bundled, from out/main and from a shared chunk in out/main/chunks', () => {
    expect(rendererDirFor(join(repo, 'out', 'main'))).toBe(built)
    // Where electron-vite puts serve-command.ts: the CLI imports it from a chunk.
    expect(rendererDirFor(join(repo, 'out', 'main', 'chunks'))).toBe(built)
    // Packaged apps keep the same layout inside their archive.
    const asar = join('/opt', 'Downpour', 'resources', 'app.asar', 'out')
    expect(rendererDirFor(join(asar, 'main', 'chunks'))).toBe(join(asar, 'renderer'))
  })

  it('DOWNPOUR_UI_DIR wins', () => {
    expect(findRendererDir({ DOWNPOUR_UI_DIR: 'some/ui' })).toBe(resolve('some/ui'))
  })
})
