import fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { EngineApi, Selection } from './api.ts'
import type { AddRequest, Checksum, DownloadUpdate, Settings } from './model.ts'
import type {
  checksumSchema,
  downloadUpdateSchema,
  selectionSchema,
  settingsSchema,
} from './schemas.ts'
import {
  addRequestSchema,
  describeIssues,
  methodArgsSchemas,
  settingsPatchSchema,
} from './schemas.ts'

/** The message a client gets back for `input`, or 'ok'. */
function check(schema: v.GenericSchema, input: unknown): string {
  const result = v.safeParse(schema, input)
  return result.success ? 'ok' : describeIssues(result.issues)
}

const url = 'https://files.example/a.iso'

describe('schemas match the static types', () => {
  it('infers exactly the model types (fails typecheck on drift)', () => {
    expectTypeOf<v.InferOutput<typeof addRequestSchema>>().toEqualTypeOf<AddRequest>()
    expectTypeOf<v.InferOutput<typeof settingsSchema>>().toEqualTypeOf<Settings>()
    expectTypeOf<v.InferOutput<typeof settingsPatchSchema>>().toEqualTypeOf<Partial<Settings>>()
    expectTypeOf<v.InferOutput<typeof checksumSchema>>().toEqualTypeOf<Checksum>()
    expectTypeOf<v.InferOutput<typeof selectionSchema>>().toEqualTypeOf<Selection>()
    expectTypeOf<v.InferOutput<typeof downloadUpdateSchema>>().toEqualTypeOf<DownloadUpdate>()
  })
})

describe('addRequestSchema', () => {
  it('refuses, naming it, a header a plain object cannot keep (valibot would drop it silently)', () => {
    for (const name of ['__proto__', 'constructor', 'Prototype']) {
      const headers = JSON.parse(`{"${name}": "x", "Accept": "*/*"}`) as Record<string, string>
      expect(check(addRequestSchema, { url, headers })).toContain(
        `a header named ${name} cannot be kept`,
      )
    }
    expect(check(addRequestSchema, { url, headers: { 'X-Proto': 'x' } })).toBe('ok')
  })

  it('accepts a bare URL and a full request', () => {
    expect(check(addRequestSchema, { url })).toBe('ok')
    const full: AddRequest = {
      url,
      dir: '/tmp/downloads',
      name: 'a.iso',
      checksum: { algorithm: 'sha-256', hex: 'AB'.repeat(32) },
      headers: { Cookie: 'a=b', 'X-Custom_Header.1': '' },
      maxTries: 0,
      maxConnections: 32,
      speedLimit: 0,
      paused: true,
    }
    expect(check(addRequestSchema, full)).toBe('ok')
  })

  it.each([['a\u0001b'], ['\u001b[2J'], ['a\u007f'], ['Ā'], ['😀']])(
    'rejects the header value %j, which undici would refuse only when the download starts',
    (value) => {
      expect(check(addRequestSchema, { url, headers: { 'X-A': value } })).toBe(
        'headers.X-A: may hold only tabs and printable Latin-1 text (no control characters, nothing past U+00FF)',
      )
      expect(check(addRequestSchema, { url, headers: { 'X-A': 'café\tok' } })).toBe('ok')
    },
  )

  it.each([['a\r\nInjected: 1'], ['a\nb'], ['a\rb'], ['a\u0000b'], ['trailing newline\n']])(
    'rejects the header value %j (no header injection)',
    (value) => {
      expect(check(addRequestSchema, { url, headers: { 'X-A': value } })).toBe(
        'headers.X-A: must not contain line breaks',
      )
    },
  )

  it.each(['Bad Name', 'X-A:', '', 'Ünïcode', 'a\nb'])('rejects the header name %j', (name) => {
    expect(check(addRequestSchema, { url, headers: { [name]: 'x' } })).toMatch(
      /is not a valid header name$/,
    )
  })

  it('rejects a checksum that is not hexadecimal or of an unknown algorithm', () => {
    expect(check(addRequestSchema, { url, checksum: { algorithm: 'md5', hex: 'xyz' } })).toBe(
      'checksum.hex: must be hexadecimal',
    )
    expect(check(addRequestSchema, { url, checksum: { algorithm: 'md5', hex: '' } })).toBe(
      'checksum.hex: must be hexadecimal',
    )
    expect(check(addRequestSchema, { url, checksum: { algorithm: 'sha-512', hex: 'ab' } })).toMatch(
      /^checksum\.algorithm: /,
    )
  })

  it('limits maxConnections to 1…32 whole connections', () => {
    expect(check(addRequestSchema, { url, maxConnections: 1 })).toBe('ok')
    expect(check(addRequestSchema, { url, maxConnections: 32 })).toBe('ok')
    expect(check(addRequestSchema, { url, maxConnections: 33 })).toMatch(/^maxConnections: .*<=32/)
    expect(check(addRequestSchema, { url, maxConnections: 0 })).toMatch(/^maxConnections: /)
    expect(check(addRequestSchema, { url, maxConnections: 1.5 })).toMatch(/^maxConnections: /)
    expect(check(addRequestSchema, { url, maxConnections: '4' })).toMatch(/^maxConnections: /)
  })

  it('rejects negative or fractional numbers, empty strings and unknown keys', () => {
    expect(check(addRequestSchema, { url, maxTries: -1 })).toMatch(/^maxTries: /)
    expect(check(addRequestSchema, { url, speedLimit: 0.5 })).toMatch(/^speedLimit: /)
    expect(check(addRequestSchema, { url: '' })).toMatch(/^url: /)
    expect(check(addRequestSchema, { url, name: '' })).toMatch(/^name: /)
    expect(check(addRequestSchema, { url, dir: '' })).toMatch(/^dir: /)
    expect(check(addRequestSchema, { url, extra: true })).toMatch(/^extra: /)
    expect(check(addRequestSchema, {})).toMatch(/^url: /)
    expect(check(addRequestSchema, null)).not.toBe('ok')
  })

  it('property: any header value with CR, LF or NUL is rejected; any other string is accepted', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('a', ' ', ':', '\r', '\n', '\u0000', 'é', '\t'),
          maxLength: 12,
        }),
        (value) => {
          const ok = check(addRequestSchema, { url, headers: { 'X-Value': value } }) === 'ok'
          expect(ok).toBe(!/[\r\n\0]/.test(value))
        },
      ),
    )
  })
})

describe('settingsPatchSchema', () => {
  it('accepts partial patches, including an empty one', () => {
    expect(check(settingsPatchSchema, {})).toBe('ok')
    expect(check(settingsPatchSchema, { maxTries: 0 })).toBe('ok')
    expect(check(settingsPatchSchema, { proxy: null, userAgent: 'Downpour/1' })).toBe('ok')
    expect(check(settingsPatchSchema, { proxy: 'http://proxy.example:3128' })).toBe('ok')
  })

  it('still validates the fields that are there', () => {
    expect(check(settingsPatchSchema, { maxConcurrentDownloads: 0 })).toMatch(
      /^maxConcurrentDownloads: /,
    )
    expect(check(settingsPatchSchema, { maxConnectionsPerDownload: 33 })).toMatch(
      /^maxConnectionsPerDownload: /,
    )
    expect(check(settingsPatchSchema, { minSplitSize: 1024 })).toMatch(/^minSplitSize: /)
    expect(check(settingsPatchSchema, { timeoutMs: 50 })).toMatch(/^timeoutMs: /)
    expect(check(settingsPatchSchema, { userAgent: 'a\nX-Injected: 1' })).toBe(
      'userAgent: must not contain line breaks',
    )
    expect(check(settingsPatchSchema, { headers: { 'X-A': 'b\r\n' } })).toBe(
      'headers.X-A: must not contain line breaks',
    )
    expect(check(settingsPatchSchema, { proxy: 'not a url' })).toMatch(/^proxy: /)
    expect(check(settingsPatchSchema, { bogus: 1 })).toMatch(/^bogus: /)
  })
})

describe('methodArgsSchemas', () => {
  it('validates the add batch and points into it', () => {
    expect(check(methodArgsSchemas.add, [[{ url }]])).toBe('ok')
    expect(check(methodArgsSchemas.add, [[{ url }, { url, maxConnections: 99 }]])).toMatch(
      /^0\.1\.maxConnections: /,
    )
    expect(check(methodArgsSchemas.add, [[{ url }], { answer: 'ids' }])).toBe('ok')
    expect(check(methodArgsSchemas.add, [[{ url }], { answer: 'refusals' }])).toBe('ok')
    expect(check(methodArgsSchemas.add, [[{ url }], { answer: 'none' }])).toMatch(/^1\.answer: /)
    expect(check(methodArgsSchemas.add, [[{ url }], { answer: 'ids', extra: 1 }])).toMatch(/^1/)
  })

  it('accepts the two selection forms only', () => {
    expect(check(methodArgsSchemas.pause, [{ ids: ['a', 'b'] }])).toBe('ok')
    expect(check(methodArgsSchemas.update, [[{ id: 'a', checksum: null, headers: {} }]])).toBe('ok')
    expect(check(methodArgsSchemas.update, [[{ id: 'a', headers: { 'X-A': 'b\r\nc' } }]])).toMatch(
      /must not contain line breaks/,
    )
    expect(check(methodArgsSchemas.update, [[{ id: 'a', path: '/etc' }]])).toMatch(/path/)
    expect(check(methodArgsSchemas.pause, [{ all: true }])).toBe('ok')
    expect(check(methodArgsSchemas.pause, [{ all: false }])).not.toBe('ok')
    expect(check(methodArgsSchemas.pause, [{ ids: ['a'], all: true }])).not.toBe('ok')
    expect(check(methodArgsSchemas.remove, [{ all: true }, { deleteFiles: true }])).toBe('ok')
    expect(check(methodArgsSchemas.move, ['id', -1])).not.toBe('ok')
    expect(check(methodArgsSchemas.snapshot, [])).toBe('ok')
  })

  it('bounds the snapshot read in parts', () => {
    expect(check(methodArgsSchemas.snapshotHead, [100])).toBe('ok')
    expect(check(methodArgsSchemas.snapshotHead, [-1])).toMatch(/^0: /)
    expect(check(methodArgsSchemas.snapshotHead, [1.5])).toMatch(/^0: /)
    expect(check(methodArgsSchemas.snapshotPart, ['s1', 500])).toBe('ok')
    expect(check(methodArgsSchemas.snapshotPart, ['s1', 0])).toMatch(/^1: /)
    expect(check(methodArgsSchemas.snapshotPart, ['', 10])).toMatch(/^0: /)
    expect(check(methodArgsSchemas.snapshotPart, ['x'.repeat(65), 10])).toMatch(/^0: /)
    expect(check(methodArgsSchemas.changeFolder, [[], '/d'])).toBe(
      '0: must name at least one download',
    )
    expect(check(methodArgsSchemas.changeFolder, [['a'], 7])).toMatch(/^1: /)
  })
})

/**
 * Every method called with every argument it takes, as a client sends it. Typed against
 * `EngineApi` so a new method or a new argument fails typecheck until it is listed here.
 */
const fullCalls: { [M in keyof EngineApi]-?: Required<Parameters<EngineApi[M]>> } = {
  add: [[{ url, name: 'a.iso', paused: true }], { answer: 'ids' }],
  update: [[{ id: 'a', speedLimit: 1024 }]],
  pause: [{ ids: ['a'] }],
  resume: [{ all: true }],
  retry: [{ ids: ['a', 'b'] }],
  startNow: [{ ids: ['a'] }],
  remove: [{ ids: ['a'] }, { deleteFiles: true }],
  move: ['a', 3],
  moveMany: [['a', 'b'], { after: 'c' }],
  snapshot: [],
  snapshotHead: [100],
  snapshotPart: ['s1', 500],
  updateSettings: [{ maxConcurrentDownloads: 3 }],
  changeUrl: ['a', 'https://files.example/b.iso'],
  checkFiles: [{ ids: ['a'] }],
  changeFolder: [['a', 'b'], '/home/me/Downloads'],
  details: ['a'],
  watchSegments: ['a'],
  unwatchSegments: ['a'],
  uiPreferences: [],
  updateUiPreferences: [{}],
}

describe('methodArgsSchemas never drops an argument', () => {
  it('lists every method (the schema table and the calls above name the same methods)', () => {
    expect(Object.keys(fullCalls).sort()).toEqual(Object.keys(methodArgsSchemas).sort())
  })

  it.each(Object.keys(fullCalls) as (keyof EngineApi)[])(
    '%s: every argument sent arrives, and one too many is refused with a reason',
    (method) => {
      const sent = fullCalls[method] as unknown[]
      const result = v.safeParse(methodArgsSchemas[method], sent)
      expect(result.success ? 'ok' : describeIssues(result.issues)).toBe('ok')
      expect(result.output).toEqual(sent)
      expect(check(methodArgsSchemas[method], [...sent, { deleteFiles: true }])).toMatch(
        new RegExp(`^${sent.length}: takes `),
      )
    },
  )

  it('remove keeps its options, and still takes the selection alone', () => {
    const both = v.parse(methodArgsSchemas.remove, [{ all: true }, { deleteFiles: true }])
    expect(both[1]).toEqual({ deleteFiles: true })
    expect(check(methodArgsSchemas.remove, [{ all: true }])).toBe('ok')
    expect(check(methodArgsSchemas.remove, [{ all: true }, { deleteFile: true }])).toMatch(
      /^1\.deleteFile: /,
    )
    expect(check(methodArgsSchemas.remove, [{ all: true }, {}, {}])).toBe(
      '2: takes 1 to 2 arguments',
    )
    expect(check(methodArgsSchemas.snapshot, [1])).toBe('0: takes no arguments')
  })
})

describe('describeIssues', () => {
  it('formats the first issue as "path: message"', () => {
    const result = v.safeParse(addRequestSchema, { url, maxConnections: 33 })
    expect(result.success).toBe(false)
    expect(describeIssues(result.issues!)).toBe(
      'maxConnections: Invalid value: Expected <=32 but received 33',
    )
  })

  it('omits the path for a top-level problem, and has a default', () => {
    const result = v.safeParse(addRequestSchema, 'not an object')
    expect(describeIssues(result.issues!)).toMatch(/^Invalid type: /)
    expect(describeIssues([])).toBe('invalid value')
  })
})
