import { describe, expect, it } from 'vitest'
import * as fc from 'fast-check'
import { ERROR_CODES } from '../../../../shared/protocol/errors.ts'
import type { DownloadSnapshot, DownloadState } from '../../../../shared/protocol/model.ts'
import { DOWNLOAD_STATES } from '../../../../shared/protocol/model.ts'
import { makeSnapshot } from '../../../../../test/make-snapshot.ts'
import {
  ago,
  canDownloadAgain,
  confirmAction,
  countAgain,
  describeQueued,
  describeState,
  planAdd,
  replacesOld,
  type QueuedChoice,
} from './download-again.ts'

const now = 1_700_000_000_000
const DAY = 86_400_000
const snap = (id: string, patch: Partial<DownloadSnapshot>): DownloadSnapshot =>
  makeSnapshot({
    id,
    url: `https://dl.example/${id}.bin`,
    name: `${id}.bin`,
    dir: '/home/me/Downloads',
    ...patch,
  })

describe('describeQueued: a line the queue holds leads with the file and its state', () => {
  it('completed: the name, how long ago, whether its file is gone; then the folder; the URL in full', () => {
    const done = { state: 'completed', completedAt: now - 3 * DAY, size: 10, done: 10 } as const
    expect(
      describeQueued(
        snap('report', { ...done, fileMissing: true }),
        'https://dl.example/report.bin',
        now,
      ),
    ).toEqual({
      name: 'report.bin',
      state: 'Completed 3 days ago, file missing',
      where: 'in /home/me/Downloads',
      full: 'report.bin — Completed 3 days ago, file missing · in /home/me/Downloads · https://dl.example/report.bin',
    })
    expect(describeQueued(snap('a', done), 'https://dl.example/a.bin', now).state).toBe(
      'Completed 3 days ago',
    )
  })

  it('no longer in the queue, or no name yet: the URL stands for the file', () => {
    expect(describeQueued(undefined, 'https://dl.example/x.iso', now)).toEqual({
      name: 'https://dl.example/x.iso',
      state: 'No longer in the queue',
      where: 'https://dl.example/x.iso',
      full: 'https://dl.example/x.iso — No longer in the queue · https://dl.example/x.iso',
    })
    expect(describeQueued(snap('a', { name: '' }), 'https://dl.example/a.bin', now).name).toBe(
      'https://dl.example/a.bin',
    )
  })

  it('running or paused: how far; failed: the short reason; queued, retrying', () => {
    expect(describeState(snap('a', { state: 'downloading', size: 1000, done: 400 }), now)).toBe(
      'Downloading 40 %',
    )
    expect(describeState(snap('a', { state: 'downloading', size: null, done: 400 }), now)).toBe(
      'Downloading',
    )
    expect(describeState(snap('a', { state: 'paused', size: 1000, done: 250 }), now)).toBe(
      'Paused 25 %',
    )
    const error = {
      code: ERROR_CODES.httpStatus,
      message: 'server answered 404 Not Found for https://dl.example/a.bin',
    }
    expect(describeState(snap('a', { state: 'failed', error }), now)).toBe('Failed, 404 Not Found')
    expect(describeState(snap('a', { state: 'queued' }), now)).toBe('Queued')
    expect(describeState(snap('a', { state: 'retrying' }), now)).toBe('Retrying')
    expect(describeState(undefined, now)).toBe('No longer in the queue')
  })

  it('ages read roughly, never negative', () => {
    expect(ago(-5)).toBe('just now')
    expect(ago(59_000)).toBe('just now')
    expect(ago(60_000)).toBe('1 minute ago')
    expect(ago(2 * 3_600_000 + 5)).toBe('2 hours ago')
    expect(ago(DAY)).toBe('1 day ago')
  })
})

describe('download again: what is offered and what it does', () => {
  it('is offered for a finished download only (the engine refuses one still being downloaded)', () => {
    const offered = DOWNLOAD_STATES.filter((state) => canDownloadAgain(snap('a', { state })))
    expect(offered).toEqual(['completed', 'failed'])
    expect(canDownloadAgain(undefined)).toBe(false)
  })

  it('replaces the old row when its file is gone or it failed, never a file still there', () => {
    expect(replacesOld(snap('a', { state: 'completed' }))).toBe(false)
    expect(replacesOld(snap('a', { state: 'completed', fileMissing: true }))).toBe(true)
    expect(replacesOld(snap('a', { state: 'failed' }))).toBe(true)
  })

  it('plans the new lines and the lines chosen again, with onDuplicate and the rows to replace', () => {
    const byId = {
      kept: snap('kept', { state: 'completed' }),
      gone: snap('gone', { state: 'completed', fileMissing: true }),
      running: snap('running', { state: 'downloading' }),
      skipped: snap('skipped', { state: 'completed' }),
    }
    const queued = Object.keys(byId).map((id) => ({
      key: `https://dl.example/${id}.bin`,
      existingId: id,
      request: { url: `https://dl.example/${id}.bin` },
    }))
    const choices = new Map<string, QueuedChoice>(
      ['kept', 'gone', 'running'].map((id) => [`https://dl.example/${id}.bin`, 'again']),
    )
    const plan = planAdd(
      { requests: [{ url: 'https://dl.example/new.bin' }], queued },
      choices,
      byId,
    )
    expect(plan).toEqual({
      requests: [
        { url: 'https://dl.example/new.bin' },
        { url: 'https://dl.example/kept.bin', onDuplicate: 'again' },
        { url: 'https://dl.example/gone.bin', onDuplicate: 'again' },
      ],
      replace: ['gone'],
      again: 2,
    })
    expect(countAgain(queued, choices, byId)).toEqual({ againable: 3, chosen: 2 })
  })

  it('the button never reads "Nothing to add" while a line could be downloaded again', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            state: fc.constantFrom(...(DOWNLOAD_STATES as DownloadState[])),
            again: fc.boolean(),
          }),
          { maxLength: 8 },
        ),
        fc.nat(3),
        fc.boolean(),
        (lines, fresh, paused) => {
          const byId = Object.fromEntries(
            lines.map((l, i) => [`d${i}`, snap(`d${i}`, { state: l.state })]),
          )
          const queued = lines.map((_, i) => ({
            key: `k${i}`,
            existingId: `d${i}`,
            request: { url: `https://dl.example/d${i}.bin` },
          }))
          const choices = new Map<string, QueuedChoice>(
            lines.map((l, i) => [`k${i}`, l.again ? 'again' : 'skip']),
          )
          const requests = Array.from({ length: fresh }, (_, i) => ({
            url: `https://n.example/${i}`,
          }))
          const plan = planAdd({ requests, queued }, choices, byId)
          const counts = countAgain(queued, choices, byId)
          expect(plan.requests.length).toBe(fresh + counts.chosen)
          const action = confirmAction(plan.requests.length, plan.again, counts.againable, paused)
          if (action.label === 'Nothing to add') expect(counts.againable).toBe(0)
          if (action.allAgain) expect(plan.requests).toHaveLength(0)
        },
      ),
    )
  })

  it('labels: what is added, how many again, or all of them again', () => {
    expect(confirmAction(0, 0, 3, false)).toEqual({
      label: 'Download 3 files again',
      allAgain: true,
    })
    expect(confirmAction(0, 0, 0, false)).toEqual({ label: 'Nothing to add', allAgain: false })
    expect(confirmAction(2, 0, 1, true).label).toBe('Add 2 downloads paused')
    expect(confirmAction(3, 1, 1, false).label).toBe('Add 3 downloads (1 again)')
  })
})
