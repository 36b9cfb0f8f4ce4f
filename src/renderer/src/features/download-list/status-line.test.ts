import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../../../shared/protocol/errors.ts'
import type { DownloadSnapshot } from '../../../../shared/protocol/model.ts'
import { errorReason, percentOf, statusLine } from './status-line.ts'
import { makeSnapshot } from '../../../../../test/make-snapshot.ts'

const now = 1_700_000_000_000
const snap = (patch: Partial<DownloadSnapshot>): DownloadSnapshot =>
  makeSnapshot({
    url: 'https://example.com/big.iso',
    name: 'big.iso',
    size: 1000,
    createdAt: now,
    ...patch,
  })
const ctx = { position: 3, hostBlocked: false, now }
const line = (patch: Partial<DownloadSnapshot>, c = ctx) => statusLine(snap(patch), c).text

describe('statusLine', () => {
  it('queued: its place behind the limit', () => {
    expect(line({ state: 'queued' })).toBe('Queued (3rd)')
    expect(line({ state: 'queued' }, { ...ctx, position: 1 })).toBe('Queued (1st)')
    expect(line({ state: 'queued' }, { ...ctx, position: 12 })).toBe('Queued (12th)')
  })

  it('queued while slots are free: waiting for its host', () => {
    expect(line({ state: 'queued' }, { ...ctx, hostBlocked: true })).toBe(
      'Waiting for a free slot on example.com',
    )
  })

  it('probing, downloading, completed', () => {
    expect(line({ state: 'probing' })).toBe('Connecting…')
    expect(line({ state: 'probing', done: 4096, speed: 1000 })).toBe('Downloading')
    expect(line({ state: 'downloading' })).toBe('Downloading')
    expect(line({ state: 'completed' })).toBe('Completed')
  })

  it('completed with its file gone says so, in the error tone', () => {
    expect(statusLine(snap({ state: 'completed', fileMissing: true }), ctx)).toEqual({
      text: 'Completed — file missing',
      tone: 'error',
    })
  })

  it('running at 0 B/s with no connection open says it waits for one', () => {
    const at80 = { state: 'downloading', done: 800, size: 1000, speed: 0 } as const
    expect(line({ ...at80, connections: 0 })).toBe('Waiting for a connection to example.com')
    expect(line({ ...at80, connections: 2 })).toBe('Downloading')
    expect(line({ ...at80, connections: 2, speed: 4096 })).toBe('Downloading')
  })

  it('running with connections open and no bytes for 5 s says it stalled, and for how long', () => {
    const at80 = { state: 'downloading', done: 800, size: 1000, speed: 0, connections: 2 } as const
    const stalled = (lastByteAt: number, engineNow?: number) =>
      statusLine(snap({ ...at80, lastByteAt }), {
        position: null,
        hostBlocked: false,
        now,
        ...(engineNow === undefined ? {} : { engineNow }),
      }).text
    expect(stalled(now - 4_900)).toBe('Downloading')
    expect(stalled(now - 12_400)).toBe('Stalled — no data for 12 s')
    // Judged on the engine's clock (a remote engine 1 h behind the page's clock).
    const behind = now - 3_600_000
    expect(stalled(behind - 2_000, behind)).toBe('Downloading')
    expect(stalled(behind - 7_000, behind)).toBe('Stalled — no data for 7 s')
    // The smoothed speed still decaying after the last byte does not hide it.
    expect(line({ ...at80, speed: 900, lastByteAt: now - 8_000 })).toBe('Stalled — no data for 8 s')
    // An engine that does not stamp (older): no claim either way.
    expect(line({ ...at80 })).toBe('Downloading')
  })

  it('retrying: countdown, short reason, which try of how many', () => {
    const error = {
      code: ERROR_CODES.httpRetryable,
      message: 'server answered 503 Service Unavailable for https://example.com/big.iso',
    }
    expect(line({ state: 'retrying', tries: 1, error, nextRetryAt: now + 3_200 })).toBe(
      'Retrying in 4 s — 503 Service Unavailable (try 2 of 5)',
    )
    expect(line({ state: 'retrying', tries: 1, error, nextRetryAt: now - 10 })).toBe(
      'Retrying now — 503 Service Unavailable (try 2 of 5)',
    )
    expect(line({ state: 'retrying', tries: 7, maxTries: 0, error, nextRetryAt: now + 1000 })).toBe(
      'Retrying in 1 s — 503 Service Unavailable (try 8)',
    )
  })

  it('paused by the engine for the disk: the reason, in its words', () => {
    const error = {
      code: 'DP_ERR_DISK_FULL',
      message: 'Not enough space: needs 5.0 TiB, 72 GiB free on /d — free some space and resume',
    }
    expect(line({ state: 'paused', resumable: true, done: 0, error })).toBe(
      'Paused — Not enough space: needs 5.0 TiB, 72 GiB free on /d — free some space and resume',
    )
  })

  it('paused: whether it can resume', () => {
    expect(line({ state: 'paused', resumable: true, done: 500 })).toBe('Paused — can resume')
    expect(line({ state: 'paused', resumable: false, done: 500 })).toBe(
      'Paused — the server cannot resume this; it will restart',
    )
    // Nothing fetched yet: nothing to lose.
    expect(line({ state: 'paused', resumable: false, done: 0 })).toBe('Paused — can resume')
  })

  it('verifying with its percent', () => {
    expect(line({ state: 'verifying', done: 630, size: 1000 })).toBe('Verifying 63 %')
  })

  it('failed with the reason', () => {
    const error = {
      code: ERROR_CODES.httpStatus,
      message: 'server answered 404 Not Found for https://x/y',
    }
    expect(line({ state: 'failed', error })).toBe('Failed — 404 Not Found')
    expect(
      line({ state: 'failed', error: { code: ERROR_CODES.diskFull, message: 'disk full' } }),
    ).toBe('Failed — disk full')
    expect(statusLine(snap({ state: 'failed', error }), ctx).tone).toBe('error')
  })
})

describe('percentOf / errorReason', () => {
  it('percent is whole, capped, null while unknown', () => {
    expect(percentOf({ done: 999, size: 1000 })).toBe(99)
    expect(percentOf({ done: 5, size: null })).toBeNull()
    expect(percentOf({ done: 0, size: 0 })).toBe(100)
  })
  it('a status without a text still reads', () => {
    expect(
      errorReason({ code: ERROR_CODES.httpStatus, message: 'server answered 418 for https://x' }),
    ).toBe('418')
  })
})
