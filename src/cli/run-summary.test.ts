import { describe, expect, it } from 'vitest'
import type { DownloadSnapshot } from '../shared/protocol/model.ts'
import { DownloadWarnings, interruptLines, summaryLine, withDiskNeed } from './run-summary.ts'

const download = (patch: Partial<DownloadSnapshot>) =>
  ({
    id: 'a',
    name: 'a.bin',
    done: 10,
    resumable: true,
    state: 'paused',
    ...patch,
  }) as DownloadSnapshot

describe('summaryLine', () => {
  it('counts rejected lines only when there are some', () => {
    expect(summaryLine(7, 2, 8)).toBe('7 completed, 2 failed, 8 rejected')
    expect(summaryLine(1, 0, 0)).toBe('1 completed, 0 failed')
  })
})

describe('interruptLines', () => {
  it('promises a resume only for downloads that can resume', () => {
    expect(interruptLines([download({})])).toEqual([
      'interrupted; partial data kept, run the same command again to resume',
    ])
    expect(interruptLines([download({ resumable: false, name: 'n.bin' })])).toEqual([
      'interrupted',
      'cannot resume n.bin: the server does not support ranges; running the same command again starts it over',
    ])
    expect(
      interruptLines([download({}), download({ id: 'b', resumable: false, name: 'n.bin' })]),
    ).toEqual([
      'interrupted; partial data kept, run the same command again to resume',
      'cannot resume n.bin: the server does not support ranges; running the same command again starts it over',
    ])
  })

  it('promises no partial data when nothing was received', () => {
    expect(interruptLines([download({ done: 0 })])).toEqual([
      'interrupted; run the same command again to continue',
    ])
    expect(interruptLines([])).toEqual(['interrupted; run the same command again to continue'])
  })

  it('a download of no length (a chunked answer) is named for that, not for ranges', () => {
    expect(interruptLines([download({ resumable: false, size: null, name: 'c.bin' })])).toEqual([
      'interrupted',
      'cannot resume c.bin: the server sent no length (a chunked answer); running the same command again starts it over',
    ])
  })

  it('says "may not resume" for a server that never said whether it does ranges', () => {
    expect(interruptLines([download({ resumable: null, name: 'u.bin' })])).toEqual([
      'interrupted',
      'may not resume u.bin: the server did not say it supports ranges; running the same command again tries, and starts it over if it cannot',
    ])
  })
})

describe('DownloadWarnings', () => {
  const entry = (message: string, extra = {}) => ({
    at: 0,
    level: 'warn' as const,
    id: 'a',
    message,
    ...extra,
  })

  it('keeps download warnings once each, not retry notices nor engine-wide entries', () => {
    const warnings = new DownloadWarnings()
    expect(warnings.note(entry('a.bin: saved as sent'))).toBe('a.bin: saved as sent')
    expect(warnings.note(entry('a.bin: saved as sent'))).toBeNull()
    expect(
      warnings.note(entry('a.bin: try 1 failed', { error: { code: 'X', message: 'x' } })),
    ).toBeNull()
    expect(warnings.note({ ...entry('queue'), id: null })).toBeNull()
    expect(warnings.note({ ...entry('info'), level: 'info' })).toBeNull()
    expect(warnings.lines(new Set())).toEqual(['a.bin: saved as sent'])
  })

  it('a download that cannot resume is warned about once, and summed up only if it did not complete', () => {
    const warnings = new DownloadWarnings()
    expect(warnings.noteSnapshot(download({ resumable: null }))).toBeNull()
    expect(warnings.noteSnapshot(download({ resumable: false }))).toMatch(
      /^a\.bin: not resumable: /,
    )
    expect(warnings.noteSnapshot(download({ resumable: false, state: 'downloading' }))).toBeNull()
    expect(warnings.lines(new Set())).toHaveLength(1)
    expect(warnings.lines(new Set(['a']))).toEqual([])
  })
})

describe('withDiskNeed', () => {
  const full = 'Disk full — free some space on /d and resume'
  const error = { code: 'DP_ERR_DISK_FULL', message: full }
  it('adds what a download filled up under still needs', () => {
    const d = download({ size: 8 * 1024 * 1024, done: 5 * 1024 * 1024, error })
    expect(withDiskNeed(full, d)).toBe(`${full} (needs 3.0 MiB more)`)
    expect(withDiskNeed(full, download({ size: 2048, done: 0, error }))).toBe(
      `${full} (needs 2.0 KiB more)`,
    )
  })

  it('leaves alone what it cannot say better: no size, another error, the check’s own refusal', () => {
    expect(withDiskNeed(full, download({ size: null, done: 5, error }))).toBe(full)
    const other = { ...error, code: 'DP_ERR_HTTP_STATUS' }
    expect(withDiskNeed(full, download({ size: 9, done: 5, error: other }))).toBe(full)
    const refusal =
      'Not enough space: needs 8.0 MiB, 5.0 MiB free on /d — free some space and resume'
    expect(withDiskNeed(refusal, download({ size: 9, done: 0, error }))).toBe(refusal)
  })
})
