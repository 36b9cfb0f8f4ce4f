import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { judgeResponse, type HeldFile } from './judge-response.ts'
import { sameVersion } from './same-version.ts'

const url = new URL('http://127.0.0.1/f.bin')
const dates = ['Wed, 01 Jan 2025 00:00:00 GMT', 'Wed, 01 Jan 2025 00:01:00 GMT']

/** A held file (validators any mix of strong ETag, Last-Modified, none) with bytes to resume. */
const heldFile = fc
  .record({
    size: fc.integer({ min: 2, max: 1e9 }),
    etag: fc.option(fc.constantFrom('"a"', '"b"'), { nil: null }),
    lastModified: fc.option(fc.constantFrom(...dates), { nil: null }),
    resumable: fc.constantFrom(true, null),
  })
  .chain((h) =>
    fc.record({
      held: fc.constant<HeldFile>({ ...h, bytes: 1 }),
      from: fc.integer({ min: 1, max: h.size - 1 }),
    }),
  )

/** Response validators: each may match, differ or be missing (weak ETags included). */
const responseValidators = fc.record({
  etag: fc.option(fc.constantFrom('"a"', '"b"', 'W/"a"'), { nil: undefined }),
  'last-modified': fc.option(fc.constantFrom(...dates), { nil: undefined }),
})

describe('judgeResponse', () => {
  it('never writes a 206 of another version or size at a held offset (no splice)', () => {
    fc.assert(
      fc.property(
        heldFile,
        responseValidators,
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 1, max: 1e9 }),
        ({ held, from }, validators, start, total) => {
          const end = Math.min(start + 1000, total)
          fc.pre(start < end)
          const headers = { ...validators, 'content-range': `bytes ${start}-${end - 1}/${total}` }
          const verdict = judgeResponse(206, headers, url, { from, ranged: true }, held)
          if (verdict.kind !== 'body') return
          // Bytes are only ever written for the version and size we hold…
          expect(total).toBe(held.size)
          expect(sameVersion(held.etag ?? held.lastModified, headers)).toBe(true)
          // …at their own offsets, never before the first missing byte.
          expect(verdict.at).toBe(start)
          expect(verdict.at).toBeLessThanOrEqual(from)
          expect(verdict.writeFrom).toBe(from)
        },
      ),
    )
  })

  it('a 200 to a ranged request is used from byte 0, after throwing the held bytes away', () => {
    fc.assert(
      fc.property(heldFile, responseValidators, ({ held, from }, validators) => {
        const headers = { ...validators, 'content-length': String(held.size) }
        const verdict = judgeResponse(200, headers, url, { from, ranged: true }, held)
        expect(verdict).toMatchObject({ kind: 'body', at: 0, writeFrom: 0, restart: true })
      }),
    )
  })

  it('a 200 asked for on purpose keeps the held bytes only when the validators say same file', () => {
    fc.assert(
      fc.property(heldFile, responseValidators, ({ held, from }, validators) => {
        const headers = { ...validators, 'content-length': String(held.size) }
        const verdict = judgeResponse(200, headers, url, { from, ranged: false }, held)
        const validator = held.etag ?? held.lastModified
        const keep = validator !== null && sameVersion(validator, headers)
        expect(verdict).toMatchObject(
          keep
            ? { kind: 'body', writeFrom: from, restart: false }
            : { kind: 'body', restart: true },
        )
      }),
    )
  })

  it('never writes a compressed 206, nor continues held bytes with a compressed 200', () => {
    const codings = fc.constantFrom('gzip', 'br', 'deflate', 'identity, gzip', 'GZIP')
    fc.assert(
      fc.property(
        heldFile,
        responseValidators,
        codings,
        fc.boolean(),
        (h, validators, coding, ranged) => {
          const { held, from } = h
          const size = held.size!
          const range = `bytes ${from}-${size - 1}/${size}`
          const headers = { ...validators, 'content-encoding': coding }
          const partial = judgeResponse(
            206,
            { ...headers, 'content-range': range },
            url,
            { from, ranged },
            held,
          )
          expect(partial.kind).not.toBe('body')
          const whole = judgeResponse(
            200,
            { ...headers, 'content-length': String(size) },
            url,
            { from, ranged },
            held,
          )
          expect(whole).toMatchObject({
            kind: 'body',
            writeFrom: 0,
            restart: true,
            adopt: { resumable: false },
          })
        },
      ),
    )
    // A fresh compressed 200 is saved as sent, on one connection, and cannot resume.
    const fresh = judgeResponse(
      200,
      { 'content-encoding': 'gzip', 'accept-ranges': 'bytes', 'content-length': '10' },
      url,
      { from: null, ranged: false },
      { size: null, etag: null, lastModified: null, resumable: null, bytes: 0 },
    )
    expect(fresh).toMatchObject({ kind: 'body', adopt: { resumable: false } })
    // identity is no coding.
    const plain = judgeResponse(
      206,
      { 'content-encoding': 'identity', 'content-range': 'bytes 5-9/10' },
      url,
      { from: 5, ranged: true },
      { size: 10, etag: null, lastModified: null, resumable: true, bytes: 5 },
    )
    expect(plain).toMatchObject({ kind: 'body', at: 5 })
  })

  it('stays resumable after a change when the server does ranges; not when it ignored one', () => {
    const held: HeldFile = { size: 10, etag: '"a"', lastModified: null, resumable: true, bytes: 5 }
    const asked = { from: 5, ranged: true }
    const changed = judgeResponse(200, { etag: '"b"' }, url, asked, held)
    expect(changed).toMatchObject({ restart: true, adopt: { resumable: true } })
    const ignored = judgeResponse(200, { etag: '"a"', 'content-length': '10' }, url, asked, held)
    expect(ignored).toMatchObject({
      restart: true,
      rangesIgnored: true,
      adopt: { resumable: false },
    })
    const quiet = judgeResponse(
      200,
      { 'content-length': '10' },
      url,
      { from: null, ranged: false },
      held,
    )
    expect(quiet).toMatchObject({ adopt: { resumable: null } })
  })
})
