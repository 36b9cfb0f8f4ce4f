import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import {
  binaryPlistOfStrings,
  markUrl,
  quarantineValue,
  setfattrRestoreInput,
  whereFromsPlist,
  zoneIdentifier,
} from './origin-mark.ts'

describe('markUrl', () => {
  it.each([
    ['https://user:secret@example.com/a.bin?x=1#frag', 'https://example.com/a.bin?x=1'],
    ['http://token@host:8080/', 'http://host:8080/'],
    ['https://example.com/f', 'https://example.com/f'],
  ])('%j → %j (no user info, no fragment)', (input, expected) => {
    expect(markUrl(input)).toBe(expected)
  })

  it.each(['javascript:alert(1)', 'file:///etc/passwd', 'data:,x', 'not a url', ''])(
    '%j is not written anywhere',
    (input) => {
      expect(markUrl(input)).toBeNull()
    },
  )
})

describe('zoneIdentifier', () => {
  it('writes the Internet zone, the referring page and the file URL, without secrets', () => {
    expect(
      zoneIdentifier({
        url: 'https://u:p@cdn.example.com/setup.exe#x',
        referrer: 'https://example.com/download',
      }),
    ).toBe(
      '[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl=https://example.com/download\r\n' +
        'HostUrl=https://cdn.example.com/setup.exe\r\n',
    )
  })

  it('leaves out what it does not know', () => {
    expect(zoneIdentifier({ url: 'https://example.com/a', referrer: null })).toBe(
      '[ZoneTransfer]\r\nZoneId=3\r\nHostUrl=https://example.com/a\r\n',
    )
  })
})

describe('setfattrRestoreInput', () => {
  it('names each file on one escaped line and gives base64 values', () => {
    const input = setfattrRestoreInput([
      {
        path: '/d/a b\\c\né.txt',
        url: 'https://u:p@example.com/x',
        referrer: 'https://r.example/',
      },
      { path: '/d/plain', url: 'https://example.com/y', referrer: null },
      { path: '/d/skipped', url: 'ftp://example.com/z', referrer: null },
    ])
    const b64 = (text: string) => Buffer.from(text).toString('base64')
    expect(input).toBe(
      '# file: /d/a\\040b\\134c\\012\\303\\251.txt\n' +
        `user.xdg.origin.url=0s${b64('https://example.com/x')}\n` +
        `user.xdg.referrer.url=0s${b64('https://r.example/')}\n\n` +
        '# file: /d/plain\n' +
        `user.xdg.origin.url=0s${b64('https://example.com/y')}\n\n`,
    )
    // However hostile the name, each entry is exactly one "# file:" line.
    expect(input.split('\n').filter((l) => l.startsWith('# file:'))).toHaveLength(2)
  })
})

describe('quarantineValue', () => {
  it('is flags;hex seconds;agent;event id', () => {
    expect(quarantineValue(1_700_000_000_123, 'Down;pour', 'abcd-ef')).toBe(
      '0081;6553f100;Down_pour;ABCD-EF',
    )
  })
})

describe('binaryPlistOfStrings', () => {
  it('encodes a short array byte for byte', () => {
    const plist = binaryPlistOfStrings(['ab'])
    expect(plist.toString('hex')).toBe(
      Buffer.from('bplist00', 'latin1').toString('hex') +
        'a101' + // array of 1, object 1
        '526162' + // ASCII string of 2: "ab"
        '080a' + // offsets of objects 0 and 1
        '000000000000' +
        '0101' + // offset size, reference size
        '0000000000000002' + // objects
        '0000000000000000' + // top object
        '000000000000000d', // offset table at 13
    )
  })

  const python = (() => {
    try {
      execFileSync('python3', ['-c', 'import plistlib'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })()
  if (!python)
    console.log('skipped: python3 with plistlib not found, so no second reader checks the plists')

  it.skipIf(!python)('is read back by Python’s plistlib (long, non-ASCII, two URLs)', () => {
    const long = `https://example.com/${'a'.repeat(300)}`
    for (const strings of [['https://example.com/x', 'https://r.example/'], [long], ['été ☃']]) {
      const plist = binaryPlistOfStrings(strings)
      const read = execFileSync(
        'python3',
        [
          '-c',
          'import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))',
        ],
        { input: plist },
      )
      expect(JSON.parse(read.toString())).toEqual(strings)
    }
  })

  it('whereFroms holds the file URL then the referrer, without secrets', () => {
    const plist = whereFromsPlist({ url: 'https://u:p@e.example/f', referrer: null })
    expect(plist?.includes(Buffer.from('https://e.example/f'))).toBe(true)
    expect(plist?.includes(Buffer.from('u:p'))).toBe(false)
    expect(whereFromsPlist({ url: 'file:///x', referrer: null })).toBeNull()
  })
})
