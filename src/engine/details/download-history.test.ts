import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DownloadRecord } from '../model/download-record.ts'
import { DownloadHistory } from './download-history.ts'

describe('DownloadHistory bounds', () => {
  it('keeps the last 200 entries of a download and counts the dropped ones', () => {
    const history = new DownloadHistory()
    for (let i = 0; i < 250; i++) history.note('a', 'info', `line ${i}`)
    const { entries, dropped } = history.list('a')
    expect(entries).toHaveLength(200)
    expect(dropped).toBe(50)
    expect(entries[0]?.message).toBe('line 50')
    expect(entries.at(-1)?.message).toBe('line 249')
  })

  it('10,000 downloads with 200 lines each stay within the global cap', () => {
    const history = new DownloadHistory(200, 20_000)
    for (let d = 0; d < 10_000; d++)
      for (let i = 0; i < 200; i++) history.note(`d${d}`, 'info', `line ${i}`)
    expect(history.size).toBe(20_000)
    // The most recently written downloads keep their whole timeline.
    expect(history.list('d9999').entries).toHaveLength(200)
    // d0 never ran: its emptied timeline is gone, count and all (nothing to compare with).
    expect(history.list('d0')).toEqual({ entries: [], dropped: 0 })
    expect(history.timelines).toBe(100)
  })

  it('a queue of never-started downloads, added then paused and resumed, keeps at most the cap of timelines', () => {
    const history = new DownloadHistory(200, 1_000)
    const record = (id: string, state: DownloadRecord['state']) =>
      ({
        id,
        name: `${id}.bin`,
        state,
        tries: 0,
        done: 0,
        size: null,
        checksum: null,
      }) as DownloadRecord
    for (let d = 0; d < 10_000; d++) history.added(record(`d${d}`, 'queued'))
    for (let d = 0; d < 10_000; d++) history.observe(record(`d${d}`, 'paused'), 'queued')
    for (let d = 0; d < 10_000; d++) history.observe(record(`d${d}`, 'queued'), 'paused')
    expect(history.size).toBe(1_000)
    expect(history.timelines).toBeLessThanOrEqual(1_000)
    expect(history.list('d9999').entries.map((e) => e.kind)).toEqual(['resumed'])
  })

  it('keeps the emptied timeline of a download that ran, with its count of dropped entries', () => {
    const history = new DownloadHistory(200, 3)
    const ran = {
      id: 'ran',
      name: 'ran.bin',
      state: 'downloading',
      tries: 1,
      done: 10,
      size: null,
      checksum: null,
    } as DownloadRecord
    history.observe(ran, 'queued')
    for (let i = 0; i < 3; i++) history.note('other', 'info', `line ${i}`)
    expect(history.list('ran')).toEqual({ entries: [], dropped: 1 })
  })

  it('forgets a removed download entirely', () => {
    const history = new DownloadHistory()
    history.note('a', 'info', 'x')
    history.forget('a')
    expect(history.list('a')).toEqual({ entries: [], dropped: 0 })
    expect(history.size).toBe(0)
  })

  it('property: any sequence of writes keeps both caps and the newest entry of each download', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { maxLength: 300 }),
        (ops) => {
          const history = new DownloadHistory(7, 20)
          const last = new Map<string, string>()
          ops.forEach(([d, forget], i) => {
            if (forget && i % 5 === 0) {
              history.forget(`d${d}`)
              last.delete(`d${d}`)
            } else {
              history.note(`d${d}`, 'info', `m${i}`)
              last.set(`d${d}`, `m${i}`)
            }
          })
          let total = 0
          for (let d = 0; d <= 5; d++) {
            const { entries } = history.list(`d${d}`)
            expect(entries.length).toBeLessThanOrEqual(7)
            total += entries.length
          }
          expect(total).toBe(history.size)
          expect(total).toBeLessThanOrEqual(20)
          // The download written last always keeps its newest line.
          const lastOp = [...last.entries()].at(-1)
          if (lastOp && ops.length > 0) {
            const [id, message] = lastOp
            const newest = history.list(id).entries.at(-1)?.message
            if (newest !== undefined) expect(newest).toBe(message)
          }
        },
      ),
    )
  })
})
