import { describe, expect, it } from 'vitest'
import { createNavigationPolicy } from './navigation-policy.ts'

describe('createNavigationPolicy', () => {
  const fileApp = 'file:///opt/downpour/out/renderer/index.html'
  const devApp = 'http://localhost:5173/'

  it('allows reloading the app page itself, with or without query and hash', () => {
    const policy = createNavigationPolicy(fileApp)
    expect(policy.allowNavigation(fileApp)).toBe(true)
    expect(policy.allowNavigation(`${fileApp}?view=queue#top`)).toBe(true)
    expect(createNavigationPolicy(devApp).allowNavigation('http://localhost:5173/?t=1')).toBe(true)
  })

  it('blocks every other page, scheme and file', () => {
    const file = createNavigationPolicy(fileApp)
    const dev = createNavigationPolicy(devApp)
    const blocked = [
      'https://example.com/',
      'http://localhost:5174/',
      'http://127.0.0.1:5173/',
      'https://localhost:5173/',
      'http://user:pw@localhost:5173/',
      'http://localhost:5173/other.html',
      'file:///etc/passwd',
      'file:///opt/downpour/out/renderer/other.html',
      'javascript:alert(1)',
      'data:text/html,<h1>hi</h1>',
      'about:blank',
      'not a url',
      '',
    ]
    for (const url of blocked) {
      expect(file.allowNavigation(url), url).toBe(false)
      expect(dev.allowNavigation(url), url).toBe(false)
    }
  })

  it('denies window.open, permissions and webviews', () => {
    const policy = createNavigationPolicy(devApp)
    expect(policy.windowOpen()).toEqual({ action: 'deny' })
    for (const permission of [
      'notifications',
      'media',
      'clipboard-read',
      'geolocation',
      'openExternal',
    ]) {
      expect(policy.allowPermission(permission), permission).toBe(false)
    }
    expect(policy.allowWebviewAttach()).toBe(false)
  })

  it('lets only the main frame navigate, and only to the app page (will-frame-navigate)', () => {
    const policy = createNavigationPolicy('app://downpour/index.html')
    expect(policy.allowNavigation('app://downpour/index.html?x#y')).toBe(true)
    expect(
      policy.allowFrameNavigation({ url: 'app://downpour/index.html', isMainFrame: true }),
    ).toBe(true)
    for (const url of [
      'app://downpour/index.html',
      'about:blank',
      'about:srcdoc',
      'https://example.com/',
      'file:///tmp/x.html',
    ])
      expect(policy.allowFrameNavigation({ url, isMainFrame: false }), url).toBe(false)
    for (const url of [
      'https://example.com/',
      'app://evil/index.html',
      'app://downpour/other.html',
      'file:///home/u/Downloads/x.html',
    ])
      expect(policy.allowFrameNavigation({ url, isMainFrame: true }), url).toBe(false)
  })

  it('refuses to build a policy from a relative URL', () => {
    expect(() => createNavigationPolicy('index.html')).toThrow(TypeError)
  })
})
