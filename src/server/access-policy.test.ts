import { describe, expect, it } from 'vitest'
import {
  createAccessPolicy,
  isLoopbackHost,
  parseHostHeader,
  sessionCookieName,
} from './access-policy.ts'

const token = 'correct-horse-battery-staple'
const loopback = createAccessPolicy({ bindHost: '127.0.0.1', port: 6800, token, tls: false })

describe('Host check (DNS rebinding)', () => {
  it('accepts the loopback names, with or without the port, when bound to loopback', () => {
    for (const host of [
      '127.0.0.1:6800',
      'localhost:6800',
      'LOCALHOST',
      '[::1]:6800',
      'localhost.',
    ])
      expect(loopback.hostAllowed(host), host).toBe(true)
  })

  it('refuses every other name, and malformed or missing headers', () => {
    for (const host of [
      undefined,
      '',
      'evil.example:6800',
      '127.0.0.1.nip.io',
      'localhost.evil.example',
      '127.0.0.2',
      '192.168.1.5:6800',
      'user@127.0.0.1',
      '127.0.0.1/x',
      '[::1',
      '127.0.0.1:6800:1',
    ])
      expect(loopback.hostAllowed(host), String(host)).toBe(false)
  })

  it('accepts the bound address and --allow-host names when bound elsewhere', () => {
    const lan = createAccessPolicy({
      bindHost: '192.168.1.5',
      port: 6800,
      token,
      tls: true,
      allowHosts: ['downpour.home.arpa'],
    })
    expect(lan.hostAllowed('192.168.1.5:6800')).toBe(true)
    expect(lan.hostAllowed('downpour.home.arpa')).toBe(true)
    expect(lan.hostAllowed('localhost:6800')).toBe(false)
    expect(lan.hostAllowed('evil.example')).toBe(false)
  })

  it("accepts this machine's addresses when bound to every interface", () => {
    const any = createAccessPolicy({
      bindHost: '0.0.0.0',
      port: 6800,
      token,
      tls: false,
      interfaceAddresses: ['127.0.0.1', '10.0.0.7', 'fe80::1'],
    })
    for (const host of ['10.0.0.7:6800', '127.0.0.1', '[fe80::1]:6800', 'localhost'])
      expect(any.hostAllowed(host), host).toBe(true)
    expect(any.hostAllowed('0.0.0.0:6800')).toBe(false)
    expect(any.hostAllowed('evil.example')).toBe(false)
  })

  it('parses Host headers into name and port', () => {
    expect(parseHostHeader('[::1]:80')).toEqual({ name: '::1', port: '80' })
    expect(parseHostHeader('Example.COM')).toEqual({ name: 'example.com', port: '' })
    expect(parseHostHeader('a b')).toBeUndefined()
  })

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.8.9.1', '::1', '[::1]', 'localhost'])
      expect(isLoopbackHost(host), host).toBe(true)
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(false)
  })
})

describe('Origin check (cross-site WebSockets)', () => {
  it("accepts only the server's own origin, scheme and port included", () => {
    expect(loopback.originAllowed('http://127.0.0.1:6800', '127.0.0.1:6800')).toBe(true)
    expect(loopback.originAllowed('http://localhost:6800', 'localhost:6800')).toBe(true)
    for (const origin of [
      'http://evil.example',
      'null',
      'https://127.0.0.1:6800',
      'http://127.0.0.1:6801',
      'http://localhost:6800',
      'not a url',
    ])
      expect(loopback.originAllowed(origin, '127.0.0.1:6800'), origin).toBe(false)
  })

  it('lets non-browser clients without an Origin through (they still need the token)', () => {
    expect(loopback.originAllowed(undefined, '127.0.0.1:6800')).toBe(true)
  })

  it('never accepts an origin when the Host itself is foreign', () => {
    expect(loopback.originAllowed('http://evil.example:6800', 'evil.example:6800')).toBe(false)
  })
})

describe('token and session cookie', () => {
  it('compares tokens exactly', () => {
    expect(loopback.tokenMatches(token)).toBe(true)
    for (const other of ['', null, undefined, token.slice(1), `${token}x`, token.toUpperCase()])
      expect(loopback.tokenMatches(other), String(other)).toBe(false)
  })

  it('issues an HttpOnly, SameSite=Strict, Path=/ cookie: a random session id, not the token', () => {
    const cookie = loopback.startSession()
    expect(cookie).toMatch(
      new RegExp(
        `^${sessionCookieName(6800)}=[\\w-]{43}; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800$`,
      ),
    )
    expect(cookie).not.toContain(token)
    // Random per sign-in: a second browser (or the same one again) gets another id.
    expect(loopback.startSession()).not.toBe(cookie)
    const tls = createAccessPolicy({ bindHost: '::1', port: 1, token, tls: true })
    expect(tls.startSession()).toContain('; Secure')
  })

  it('authenticates by a live session cookie or a bearer token, nothing else', () => {
    const policy = createAccessPolicy({ bindHost: '127.0.0.1', port: 6800, token, tls: false })
    const cookie = policy.startSession().split(';')[0]!
    const id = cookie.split('=')[1]!
    expect(policy.authenticated({ cookie })).toBe(true)
    expect(policy.sessionOf({ cookie })).toBe(id)
    expect(policy.authenticated({ cookie: `theme=dark; ${cookie}; x=1` })).toBe(true)
    expect(policy.authenticated({ authorization: `Bearer ${token}` })).toBe(true)
    expect(policy.sessionOf({ authorization: `Bearer ${token}` })).toBeUndefined()
    expect(policy.authenticated({})).toBe(false)
    expect(policy.authenticated({ cookie: `${sessionCookieName(6800)}=${token}` })).toBe(false)
    expect(policy.authenticated({ cookie: `${sessionCookieName(6801)}=${id}` })).toBe(false)
    expect(policy.authenticated({ authorization: `Basic ${token}` })).toBe(false)
    expect(policy.authenticated({ authorization: 'Bearer nope' })).toBe(false)
  })

  it('knows only the sessions it started: another process with the same token does not', () => {
    // What a restart does: the same token, a new process, and yesterday's cookie.
    const cookie = loopback.startSession().split(';')[0]!
    const restarted = createAccessPolicy({ bindHost: '127.0.0.1', port: 6800, token, tls: false })
    expect(loopback.authenticated({ cookie })).toBe(true)
    expect(restarted.authenticated({ cookie })).toBe(false)
  })

  it('ends a session at sign-out and clears the cookie; other sessions stay', () => {
    const policy = createAccessPolicy({ bindHost: '127.0.0.1', port: 6800, token, tls: false })
    const mine = policy.startSession().split(';')[0]!
    const other = policy.startSession().split(';')[0]!
    expect(policy.endSession({ cookie: mine })).toBe(
      `${sessionCookieName(6800)}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`,
    )
    expect(policy.authenticated({ cookie: mine })).toBe(false)
    expect(policy.authenticated({ cookie: other })).toBe(true)
  })

  it('expires sessions after the absolute lifetime, and after idling unless held', () => {
    let now = 1_000_000
    const policy = createAccessPolicy({
      bindHost: '127.0.0.1',
      port: 6800,
      token,
      tls: false,
      sessions: { idleMs: 1000, absoluteMs: 10_000, now: () => now },
    })
    expect(policy.startSession()).toMatch(/; Max-Age=10$/)
    const cookie = policy.startSession().split(';')[0]!
    now += 900
    expect(policy.authenticated({ cookie })).toBe(true)
    now += 900 // 1800 since sign-in, 900 since the last use
    expect(policy.authenticated({ cookie })).toBe(true)
    now += 1000
    expect(policy.authenticated({ cookie })).toBe(false)
  })
})
