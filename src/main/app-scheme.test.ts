import { join, relative, isAbsolute } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { APP_CSP, APP_ENTRY_URL, APP_SCHEME_PRIVILEGES, resolveAppRequest } from './app-scheme.ts'

const root = join('/opt', 'downpour', 'out', 'renderer')

describe('resolveAppRequest', () => {
  it.each([
    ['app://downpour/', 'index.html', 'text/html; charset=utf-8'],
    ['app://downpour/index.html', 'index.html', 'text/html; charset=utf-8'],
    ['app://downpour/index.html?x=1#top', 'index.html', 'text/html; charset=utf-8'],
    ['app://downpour/assets/boot-Ab12.js', 'assets/boot-Ab12.js', 'text/javascript; charset=utf-8'],
    ['app://downpour/assets/index-X.css', 'assets/index-X.css', 'text/css; charset=utf-8'],
    ['app://downpour/assets/icon%20x.svg', 'assets/icon x.svg', 'image/svg+xml'],
    ['app://DOWNPOUR/index.html', 'index.html', 'text/html; charset=utf-8'],
    // The URL parser folds dot segments (encoded too) at the origin's root: they cannot climb.
    ['app://downpour/assets/%2e%2e/%2E%2e/../x.js', 'x.js', 'text/javascript; charset=utf-8'],
  ])('%j serves %j', (url, file, mimeType) => {
    expect(resolveAppRequest(url, root)).toEqual({ ok: true, path: join(root, file), mimeType })
  })

  it.each([
    // Traversal, however it is spelled.
    ['app://downpour/..%2f..%2fetc%2fpasswd', 403],
    ['app://downpour/..%5c..%5cwindows%5cwin.ini', 403],
    ['app://downpour/assets%2f..%2f..%2fx.js', 403],
    ['app://downpour/%00.js', 403],
    ['app://downpour/C:%5cx.js', 403],
    ['app://downpour/assets//x.js', 403],
    ['app://downpour/assets/x.js%20', 403],
    ['app://downpour/%E0%A4%A', 400],
    // Someone else's origin on the same scheme, or with user info or a port.
    ['app://evil/index.html', 400],
    ['app://user:pw@downpour/index.html', 400],
    ['app://downpour:8080/index.html', 400],
    ['file:///etc/passwd', 400],
    ['https://downpour/index.html', 400],
    ['not a url', 400],
    // Files the app does not ship.
    ['app://downpour/assets/x.exe', 404],
    ['app://downpour/assets/noext', 404],
  ])('%j is refused with %i', (url, status) => {
    const result = resolveAppRequest(url, root)
    expect(result.ok, url).toBe(false)
    if (!result.ok) expect(result.status).toBe(status)
  })

  it('property: whatever the path, a served file is strictly below the root', () => {
    const piece = fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      '%2E.',
      '%2f',
      '%5c',
      '/',
      '\\',
      'a',
      'b.js',
      '%00',
      ':',
      '%20',
      'index.html',
      '%252e',
    )
    const path = fc.array(piece, { maxLength: 10 }).map((parts) => parts.join(''))
    fc.assert(
      fc.property(fc.oneof(path, fc.string({ maxLength: 40 })), (tail) => {
        const result = resolveAppRequest(`app://downpour/${tail}`, root)
        if (!result.ok) return
        const below = relative(root, result.path)
        expect(below).not.toBe('')
        expect(below.startsWith('..')).toBe(false)
        expect(isAbsolute(below)).toBe(false)
      }),
    )
  })
})

describe('the app scheme', () => {
  it('is the window’s entry, a secure standard scheme that does not bypass CSP', () => {
    expect(APP_ENTRY_URL).toBe('app://downpour/index.html')
    expect(APP_SCHEME_PRIVILEGES.privileges).toMatchObject({
      standard: true,
      secure: true,
      bypassCSP: false,
      allowServiceWorkers: false,
    })
  })

  it('sends a strict CSP: only its own origin, no inline code, no plugins, frames or framing', () => {
    const directives = new Map(
      APP_CSP.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/)
        return [name, values] as const
      }),
    )
    expect(APP_CSP).not.toMatch(/unsafe-|\*|data:.*script|blob:|file:/)
    expect(directives.get('default-src')).toEqual(["'self'"])
    expect(directives.get('script-src')).toEqual(["'self'"])
    for (const none of ['object-src', 'frame-src', 'base-uri', 'form-action', 'frame-ancestors'])
      expect(directives.get(none), none).toEqual(["'none'"])
  })
})
