import fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { DOWNLOAD_STATES, IF_EXISTS } from '../../shared/protocol/model.ts'
import { buildRecord } from '../scheduler/build-record.ts'
import { recordSchema, type DownloadRecord } from '../model/download-record.ts'
import { decodeRecord, encodeRecord } from './record-codec.ts'
import { parseRecord, plainFields } from './record-schema.ts'

const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null })
const count = fc.integer({ min: 0, max: 2 ** 40 })

/** Any record the schema accepts, defaults and not, odd strings included. */
const recordArb: fc.Arbitrary<DownloadRecord> = fc.record({
  id: fc.uuid(),
  url: fc.webUrl({ withFragments: true, withQueryParameters: true }),
  dir: fc.constantFrom('/tmp/out', '/home/a b/dl', 'C:\\x'),
  requestedName: nullable(fc.string()),
  name: fc.string(),
  nameChosen: fc.boolean(),
  state: fc.constantFrom(...DOWNLOAD_STATES),
  size: nullable(count),
  done: count,
  tries: fc.nat(),
  failuresInARow: fc.nat(),
  maxTries: nullable(fc.nat()),
  nextRetryAt: nullable(count),
  error: nullable(fc.record({ code: fc.string(), message: fc.string() })),
  resumable: nullable(fc.boolean()),
  etag: nullable(fc.string()),
  lastModified: nullable(fc.string()),
  finalUrl: nullable(fc.webUrl()),
  checksum: nullable(
    fc.oneof(
      fc.record({
        algorithm: fc.constant('md5' as const),
        hex: fc.stringMatching(/^[0-9a-f]{32}$/),
      }),
      fc.record({
        algorithm: fc.constant('sha-256' as const),
        hex: fc.stringMatching(/^[0-9a-f]{64}$/),
      }),
    ),
  ),
  // Header names as the protocol accepts them (tokens; never __proto__ and the like, which a
  // plain object cannot hold and the boundary refuses).
  headers: fc.dictionary(
    fc
      .stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/)
      .filter((name) => !['__proto__', 'constructor', 'prototype'].includes(name.toLowerCase())),
    fc.string(),
    { maxKeys: 3 },
  ),
  mirrors: fc.array(fc.webUrl({ withQueryParameters: true }), { maxLength: 3 }),
  speedLimit: fc.nat(),
  maxConnections: nullable(fc.integer({ min: 1, max: 32 })),
  ifExists: fc.constantFrom(...IF_EXISTS),
  createdAt: count,
  completedAt: nullable(count),
})

const roundTrip = (record: DownloadRecord, strings?: Map<string, string>) =>
  decodeRecord(JSON.parse(encodeRecord(record)) as unknown[], strings)

describe('compact queue records', () => {
  it('property: every record comes back field for field', () => {
    fc.assert(
      fc.property(recordArb, (record) => {
        const back = roundTrip(record)
        expect(back.ok).toBe(true)
        expect(JSON.parse(JSON.stringify(back.ok && back.record))).toEqual(
          JSON.parse(JSON.stringify(record)),
        )
      }),
    )
  })

  it('property: a download that never started (six fields, the common case) comes back whole', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ withQueryParameters: true }),
        fc.constantFrom(...DOWNLOAD_STATES),
        count,
        (url, state, createdAt) => {
          const record = { ...buildRecord({ url }, '/tmp/out', createdAt), state }
          expect(JSON.parse(encodeRecord(record))).toHaveLength(6)
          const back = roundTrip(record)
          expect(back).toEqual({ ok: true, record })
          expect(Object.keys(back.ok ? back.record : {})).toEqual(Object.keys(record))
        },
      ),
    )
  })

  it('property: a download that never started with its own rule for an existing file (each one `downpour get` adds) comes back whole, in the shape new ones have', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ withQueryParameters: true }),
        fc.constantFrom(...DOWNLOAD_STATES),
        fc.constantFrom(...IF_EXISTS),
        count,
        (url, state, ifExists, createdAt) => {
          const record = { ...buildRecord({ url, ifExists }, '/tmp/out', createdAt), state }
          const back = roundTrip(record)
          expect(back).toEqual({ ok: true, record })
          expect(Object.keys(back.ok ? back.record : {})).toEqual(Object.keys(record))
        },
      ),
    )
  })

  it('property: under every queue default, a record with any rule comes back whole, storing its rule only when it differs from the default', () => {
    fc.assert(
      fc.property(recordArb, fc.constantFrom(...IF_EXISTS), (record, byDefault) => {
        const line = JSON.parse(encodeRecord(record, byDefault)) as unknown[]
        const rest = (line[6] ?? {}) as Record<string, unknown>
        expect('ifExists' in rest).toBe(record.ifExists !== byDefault)
        const back = decodeRecord(line, new Map(), byDefault)
        expect(back.ok).toBe(true)
        expect(JSON.parse(JSON.stringify(back.ok && back.record))).toEqual(
          JSON.parse(JSON.stringify(record)),
        )
      }),
    )
  })

  it('every (queue default, rule) pair of a download that never started: six fields when they are equal, the rule alone when not; back whole, in the shape new ones have', () => {
    for (const byDefault of IF_EXISTS)
      for (const ifExists of IF_EXISTS) {
        const record = buildRecord({ url: 'https://e.com/a.bin', ifExists }, '/d', 5)
        const line = JSON.parse(encodeRecord(record, byDefault)) as unknown[]
        expect(line[6]).toEqual(ifExists === byDefault ? undefined : { ifExists })
        const back = decodeRecord(line, new Map(), byDefault)
        expect(back).toEqual({ ok: true, record })
        expect(Object.keys(back.ok ? back.record : {})).toEqual(Object.keys(record))
      }
  })

  it('refuses a rule for an existing file that is not one, naming the field, whatever else the line holds', () => {
    const good = JSON.parse(
      encodeRecord(buildRecord({ url: 'https://e.com/a' }, '/d')),
    ) as unknown[]
    for (const rest of [
      { ifExists: 'sometimes' },
      { ifExists: 3 },
      { ifExists: 'fail', colour: 1 },
    ])
      expect(decodeRecord([...good, rest])).toMatchObject({
        ok: false,
        problem: expect.stringMatching(/ifExists|colour/),
      })
    expect(decodeRecord([...good.slice(0, 4), 'sleeping', 1, { ifExists: 'fail' }])).toMatchObject({
      ok: false,
      problem: expect.stringContaining('state'),
    })
    expect(decodeRecord([7, ...good.slice(1), { ifExists: 'fail' }])).toMatchObject({
      ok: false,
      problem: expect.stringContaining('id'),
    })
  })

  it('a new download is a short line; the fields a download changes are the only extras', () => {
    const record = buildRecord({ url: 'https://example.com/files/a.bin' }, '/tmp/out', 1_000)
    const line = encodeRecord(record)
    expect(line).toBe(
      `["${record.id}","https://example.com/files/a.bin","/tmp/out","a.bin","queued",1000]`,
    )
    Object.assign(record, { nameChosen: true, size: 10, done: 5, state: 'paused' })
    expect(JSON.parse(encodeRecord(record))[6]).toEqual({ nameChosen: true, size: 10, done: 5 })
  })

  it('records read back share one string per folder and have the shape new ones have', () => {
    const strings = new Map<string, string>()
    const a = buildRecord({ url: 'https://example.com/a' }, '/tmp/shared-folder')
    const b = buildRecord({ url: 'https://example.com/b' }, '/tmp/shared-folder')
    const ra = roundTrip(a, strings)
    const rb = roundTrip(b, strings)
    expect(ra.ok && rb.ok).toBe(true)
    expect(strings.size).toBe(1)
    expect(Object.keys(ra.ok ? ra.record : {})).toEqual(Object.keys(a))
  })

  it('refuses what is not a record, naming the field', () => {
    const good = JSON.parse(
      encodeRecord(buildRecord({ url: 'https://e.com/a' }, '/d')),
    ) as unknown[]
    expect(decodeRecord(good.slice(0, 4))).toEqual({ ok: false, problem: 'not a record' })
    expect(decodeRecord([...good.slice(0, 4), 'sleeping', 1])).toMatchObject({
      ok: false,
      problem: expect.stringContaining('state'),
    })
    expect(decodeRecord([...good, { colour: 'red' }])).toEqual({
      ok: false,
      problem: 'colour: not a field of a record',
    })
    expect(decodeRecord([...good, { done: 'lots' }])).toMatchObject({
      ok: false,
      problem: expect.stringContaining('done'),
    })
    expect(decodeRecord([...good, [1]])).toMatchObject({ ok: false })
  })

  it('a download with mirrors keeps them through the journal; one without stores nothing for them', () => {
    const mirrors = ['https://m1.example/a.bin', 'http://m2.example:8080/x/a.bin?t=1']
    const record = buildRecord({ url: 'https://e.com/a.bin', mirrors }, '/d', 5)
    expect(JSON.parse(encodeRecord(record))[6]).toEqual({ mirrors })
    expect(roundTrip(record)).toEqual({ ok: true, record })
    const plain = buildRecord({ url: 'https://e.com/a.bin' }, '/d', 5)
    expect(JSON.parse(encodeRecord(plain))).toHaveLength(6)
    const back = roundTrip(plain)
    expect(back.ok && back.record.mirrors).toBe(plain.mirrors)
    expect(decodeRecord([...JSON.parse(encodeRecord(plain)), { mirrors: [3] }])).toMatchObject({
      ok: false,
      problem: expect.stringContaining('mirrors'),
    })
  })

  it('a record field the fast check does not know stops the engine from loading, naming it', () => {
    expect(plainFields().length).toBeGreaterThan(0)
    const entries = { ...recordSchema.entries, tags: v.array(v.string()) }
    expect(() => plainFields(entries)).toThrow('recordSchema.tags is not plain')
  })

  it('reads a whole record written before mirrors existed, as one without mirrors', () => {
    const { mirrors: _, ...old } = buildRecord({ url: 'https://e.com/a.bin' }, '/d', 5)
    const parsed = parseRecord(JSON.parse(JSON.stringify({ ...old, done: 1 })))
    expect(parsed).toMatchObject({ ok: true, record: { mirrors: [], done: 1 } })
  })

  it('reads a line an older version wrote with its duplicate key, and drops the key', () => {
    const record = buildRecord({ url: 'https://u:p@e.com/a#x' }, '/d', 5)
    const old = [
      ...(JSON.parse(encodeRecord(record)) as unknown[]),
      { key: 'https://e.com/a\n/d\n' },
    ]
    expect(decodeRecord(old)).toEqual({ ok: true, record })
  })
})
