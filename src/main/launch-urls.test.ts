import { describe, expect, it } from 'vitest'
import { extractLaunchUrls } from './launch-urls.ts'

describe('extractLaunchUrls', () => {
  it('takes the http(s) URLs of a second launch and nothing else', () => {
    expect(
      extractLaunchUrls([
        '/opt/Downpour/downpour',
        '--no-sandbox',
        '--url=https://flag.example/x',
        '/home/a/app.asar',
        'https://example.com/a.iso',
        'HTTP://Example.com/b.zip',
        'ftp://example.com/c',
        'file:///etc/passwd',
        'javascript:alert(1)',
        'https://',
        'https://example.com/a.iso',
      ]),
    ).toEqual(['https://example.com/a.iso', 'http://example.com/b.zip'])
  })

  it('returns nothing for a plain launch', () => {
    expect(extractLaunchUrls(['/usr/bin/downpour'])).toEqual([])
  })
})
