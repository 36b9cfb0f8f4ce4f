import { describe, expect, it } from 'vitest'
import { aria2RpcAddress, showsDesktopChoices } from './desktop-choices.ts'

describe('desktop choices in the settings view', () => {
  it('shows notifications and close to tray in the desktop app only', () => {
    expect(showsDesktopChoices('desktop')).toBe(true)
    expect(showsDesktopChoices('browser')).toBe(false)
  })

  it('gives the aria2 RPC address of the host the page runs in', () => {
    expect(aria2RpcAddress('desktop', 'file://')).toBe('http://127.0.0.1:16800/jsonrpc')
    expect(aria2RpcAddress('browser', 'http://127.0.0.1:6800')).toBe(
      'http://127.0.0.1:6800/jsonrpc',
    )
    expect(aria2RpcAddress('browser', 'https://nas.local:8443/')).toBe(
      'https://nas.local:8443/jsonrpc',
    )
  })
})
