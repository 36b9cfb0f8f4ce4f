import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'

const exposeInMainWorld = vi.fn()
vi.mock('electron', () => ({ contextBridge: { exposeInMainWorld } }))

// Plain Node has no Electron or Chrome version; the preload reads them from process.versions.
const electronVersions = { electron: '45.5.0', chrome: '142.0.0.0' }

describe('preload bridge', () => {
  beforeAll(() => {
    for (const [key, value] of Object.entries(electronVersions)) {
      Object.defineProperty(process.versions, key, { value, configurable: true, enumerable: true })
    }
  })

  afterAll(() => {
    for (const key of Object.keys(electronVersions)) Reflect.deleteProperty(process.versions, key)
  })

  beforeEach(() => {
    exposeInMainWorld.mockClear()
    vi.resetModules()
  })

  it('exposes exactly one global, window.downpour', async () => {
    await import('./index.ts')
    expect(exposeInMainWorld).toHaveBeenCalledTimes(1)
    expect(exposeInMainWorld.mock.calls[0]?.[0]).toBe('downpour')
  })

  // A new key here is a new way for the page to reach the host: review it as such.
  it('exposes only the reviewed surface', async () => {
    await import('./index.ts')
    const exposed: unknown = exposeInMainWorld.mock.calls[0]?.[1]
    expect(describeSurface(exposed)).toMatchInlineSnapshot(`
      [
        "platform: string",
        "versions.chrome: string",
        "versions.electron: string",
        "versions.node: string",
      ]
    `)
  })

  it('reports the host platform and runtime versions', async () => {
    await import('./index.ts')
    const exposed = exposeInMainWorld.mock.calls[0]?.[1] as Record<string, unknown>
    expect(exposed['platform']).toBe(process.platform)
    expect(exposed['versions']).toEqual({ ...electronVersions, node: process.versions.node })
  })
})

function describeSurface(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [`${prefix}: ${typeof value}`]
  return Object.keys(value)
    .sort()
    .flatMap((key) =>
      describeSurface(
        (value as Record<string, unknown>)[key],
        prefix === '' ? key : `${prefix}.${key}`,
      ),
    )
}
