import { describe, expect, it } from 'vitest'
import { applyShellAttributes, describeShell } from './shell.ts'

describe('describeShell', () => {
  it('is electron with the host platform when the preload bridge exists', () => {
    const bridge = {
      platform: 'darwin',
      versions: { electron: '45.5.0', chrome: '142.0.0.0', node: '22.20.0' },
    }
    expect(describeShell(bridge)).toEqual({ kind: 'electron', platform: 'darwin' })
  })

  it('is web in a browser tab', () => {
    expect(describeShell(undefined)).toEqual({ kind: 'web', platform: 'web' })
  })

  it('writes data attributes for title-bar.css', () => {
    const root = { dataset: {} as DOMStringMap }
    applyShellAttributes(root, { kind: 'electron', platform: 'linux' })
    expect(root.dataset).toEqual({ shell: 'electron', platform: 'linux' })
  })
})
