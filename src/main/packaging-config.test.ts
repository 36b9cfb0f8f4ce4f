import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

/**
 * The packaging configuration (electron-builder.json) cannot run here (no Electron binary,
 * electron-builder not installed): this reads it and holds it to what issue 20 (finding 8)
 * asks of a packaged Downpour.
 */
const config = JSON.parse(
  readFileSync(new URL('../../electron-builder.json', import.meta.url), 'utf8'),
) as {
  asar?: unknown
  files?: string[]
  electronFuses?: Record<string, unknown>
  mac?: { extendInfo?: Record<string, unknown> }
}

describe('electron-builder.json', () => {
  it('flips the fuses that turn a signed Downpour into a general-purpose Node or debugger', () => {
    expect(config.electronFuses).toMatchObject({
      // ELECTRON_RUN_AS_NODE=1 would make the signed binary run any script.
      runAsNode: false,
      // NODE_OPTIONS=--require … and --inspect would inject code into the app.
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      // The app is read from its checked app.asar and nowhere else.
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      // The window is served from app://downpour/: file:// needs no extra privileges.
      grantFileProtocolExtraPrivileges: false,
    })
  })

  it('packs the app into an asar (what the asar fuses check) from the built output only', () => {
    expect(config.asar).toBe(true)
    expect(config.files).toContain('out/**')
    expect(config.files?.some((f) => f.startsWith('src'))).toBe(false)
  })

  it('asks macOS to quarantine every file the app writes', () => {
    expect(config.mac?.extendInfo?.['LSFileQuarantineEnabled']).toBe(true)
  })
})
