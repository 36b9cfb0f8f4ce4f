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

  it('property: evicts exactly as walking the least recently written from the start would (the live cursor never skips or repeats one)', () => {
    /** The plain rule: each eviction takes the first timeline in order of last write. */
    class Model {
      timelines = new Map<string, string[]>()
      recency = new Map<string, string[]>()
      last: string | null = null
      count = 0
      per: number
      total: number
      constructor(per: number, total: number) {
        this.per = per
        this.total = total
      }
      note(id: string, m: string) {
        let t = this.timelines.get(id)
        if (!t) this.timelines.set(id, (t = []))
        if (this.last !== id) {
          this.recency.delete(id)
          this.recency.set(id, t)
          this.last = id
        }
        t.push(m)
        this.count++
        if (t.length > this.per) {
          t.shift()
          this.count--
        }
        while (this.count > this.total) {
          const [oldId, old] = this.recency.entries().next().value!
          old.shift()
          this.count--
          if (old.length === 0) {
            this.recency.delete(oldId)
            if (this.last === oldId) this.last = null
            this.timelines.delete(oldId)
          }
        }
      }
      forget(id: string) {
        this.count -= this.timelines.get(id)?.length ?? 0
        this.timelines.delete(id)
        this.recency.delete(id)
        if (this.last === id) this.last = null
      }
    }
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 15 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 9 })), {
          maxLength: 400,
        }),
        (per, total, ops) => {
          const history = new DownloadHistory(per, total)
          const model = new Model(per, total)
          ops.forEach(([d, what], i) => {
            if (what === 0) {
              history.forget(`d${d}`)
              model.forget(`d${d}`)
            } else {
              history.note(`d${d}`, 'info', `m${i}`)
              model.note(`d${d}`, `m${i}`)
            }
            expect(history.size).toBe(model.count)
          })
          for (let d = 0; d <= 7; d++)
            expect(history.list(`d${d}`).entries.map((e) => e.message)).toEqual(
              model.timelines.get(`d${d}`) ?? [],
            )
        },
      ),
    )
  })
})
