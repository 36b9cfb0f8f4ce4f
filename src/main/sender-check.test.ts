import { describe, expect, it } from 'vitest'
import { createNavigationPolicy } from './navigation-policy.ts'
import { isTrustedSender } from './sender-check.ts'

const appUrl = 'file:///opt/downpour/out/renderer/index.html'
const policy = createNavigationPolicy(appUrl)

describe('isTrustedSender', () => {
  it("accepts only the app's own page in a main frame", () => {
    expect(isTrustedSender({ url: appUrl, isMainFrame: true }, policy)).toBe(true)
    expect(isTrustedSender({ url: `${appUrl}#x`, isMainFrame: true }, policy)).toBe(true)
  })

  it('refuses iframes, other pages and destroyed frames', () => {
    expect(isTrustedSender({ url: appUrl, isMainFrame: false }, policy)).toBe(false)
    expect(isTrustedSender({ url: 'https://example.com/', isMainFrame: true }, policy)).toBe(false)
    expect(isTrustedSender({ url: 'file:///tmp/evil.html', isMainFrame: true }, policy)).toBe(false)
    expect(isTrustedSender(null, policy)).toBe(false)
  })
})
