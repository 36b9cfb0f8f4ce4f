import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { ENGINE_PORT_MESSAGE, IPC, type DownpourBridge } from '../shared/desktop-bridge.ts'

const exposeInMainWorld = vi.fn()
const ipcOn = vi.fn()
const ipcSend = vi.fn()
const ipcInvoke = vi.fn(async () => null)
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld },
  ipcRenderer: { on: ipcOn, send: ipcSend, invoke: ipcInvoke },
}))
// The preload runs in a page; plain Node has none, so it gets the two calls it makes.
const pageListeners: Array<() => void> = []
const posted: unknown[][] = []
Object.assign(globalThis, {
  addEventListener: (_type: string, listener: () => void) => pageListeners.push(listener),
  postMessage: (...args: unknown[]) => posted.push(args),
  location: { origin: 'null' },
})

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
    ipcOn.mockClear()
    ipcSend.mockClear()
    ipcInvoke.mockClear()
    pageListeners.length = 0
    posted.length = 0
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
        "onEngineStatus: function",
        "onExternalUrls: function",
        "openDownload: function",
        "pickFolder: function",
        "platform: string",
        "restartEngine: function",
        "showDownload: function",
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

describe('preload engine wiring', () => {
  beforeEach(async () => {
    exposeInMainWorld.mockClear()
    ipcOn.mockClear()
    ipcSend.mockClear()
    ipcInvoke.mockClear()
    pageListeners.length = 0
    posted.length = 0
    vi.resetModules()
    await import('./index.ts')
  })

  const handler = (channel: string) =>
    ipcOn.mock.calls.find(([name]) => name === channel)?.[1] as (...args: unknown[]) => void
  const bridge = () => exposeInMainWorld.mock.calls[0]?.[1] as DownpourBridge

  it('asks main for a port once the page has loaded its scripts, not before', () => {
    expect(ipcSend).not.toHaveBeenCalled()
    for (const listener of pageListeners) listener()
    expect(ipcSend).toHaveBeenCalledWith(IPC.requestPort)
  })

  it('hands the engine port to the page with window.postMessage, transferred', () => {
    const port = { fake: 'MessagePort' }
    handler(IPC.port)({ ports: [port] })
    expect(posted).toEqual([[{ type: ENGINE_PORT_MESSAGE }, '*', [port]]])
  })

  it('replays the latest engine status to a late listener', () => {
    handler(IPC.status)({}, { kind: 'restarting', attempt: 2, reason: 'exit code 1' })
    const seen: unknown[] = []
    bridge().onEngineStatus((status) => seen.push(status))
    expect(seen).toEqual([{ kind: 'restarting', attempt: 2, reason: 'exit code 1' }])
  })

  it('keeps URLs from a second launch until the page listens, and drops malformed ones', () => {
    handler(IPC.externalUrls)({}, ['https://example.com/a.iso'])
    handler(IPC.externalUrls)({}, [42])
    const seen: string[][] = []
    bridge().onExternalUrls((urls) => seen.push(urls))
    handler(IPC.externalUrls)({}, ['https://example.com/b.iso'])
    expect(seen).toEqual([['https://example.com/a.iso'], ['https://example.com/b.iso']])
  })

  it('sends download ids as strings, never paths it resolved itself', async () => {
    await bridge().openDownload('abc')
    await bridge().showDownload('def')
    await bridge().pickFolder()
    expect(ipcInvoke.mock.calls).toEqual([
      [IPC.openDownload, 'abc'],
      [IPC.showDownload, 'def'],
      [IPC.pickFolder],
    ])
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
