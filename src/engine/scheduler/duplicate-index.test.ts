import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildRecord } from './build-record.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import type { DuplicateKey } from '../model/duplicate-key.ts'
import { DuplicateIndex, urlKeyOf } from './duplicate-index.ts'

describe('DuplicateIndex', () => {
  it('holds a record under its own URL string, not a copy', () => {
    const record = buildRecord({ url: 'https://example.com/a.bin' }, '/tmp/out')
    expect(urlKeyOf(record.url)).toBe(record.url)
    // Userinfo and fragment are not part of what makes two downloads the same.
    expect(urlKeyOf('https://u:p@example.com/a.bin#top')).toBe('https://example.com/a.bin')
  })

  it('tells the same URL apart by folder and requested name', () => {
    const records = new Map<string, DownloadRecord>()
    const index = new DuplicateIndex((id) => records.get(id))
    const put = (url: string, dir: string, name?: string) => {
      const r = buildRecord({ url, ...(name ? { name } : {}) }, dir)
      records.set(r.id, r)
      index.add(r)
      return r
    }
    const a = put('https://e.com/f', '/one')
    const b = put('https://e.com/f', '/two')
    const c = put('https://e.com/f', '/one', 'copy.bin')
    const key = (dir: string, requestedName: string | null): DuplicateKey => ({
      urlKey: 'https://e.com/f',
      dir,
      requestedName,
    })
    expect(index.find(key('/one', null))).toBe(a.id)
    expect(index.find(key('/two', null))).toBe(b.id)
    expect(index.find(key('/one', 'copy.bin'))).toBe(c.id)
    expect(index.find(key('/one', null), a.id)).toBeUndefined()
    index.delete(b)
    expect(index.find(key('/two', null))).toBeUndefined()
    expect(index.find(key('/one', null))).toBe(a.id)
  })

  it('property: finds exactly what a scan of the queue finds, through adds, removals, renames and new URLs', () => {
    const urls = ['https://e.com/a', 'https://e.com/b', 'https://u:p@e.com/a#x', 'https://e.com/b#']
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        url: fc.constantFrom(...urls),
        dir: fc.constantFrom('/x', '/y'),
        name: fc.option(fc.constantFrom('n1', 'n2'), { nil: undefined }),
      }),
      fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('rename' as const),
        at: fc.nat(),
        name: fc.option(fc.constantFrom('n1', 'n2'), { nil: null }),
      }),
      fc.record({ kind: fc.constant('url' as const), at: fc.nat(), url: fc.constantFrom(...urls) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const records = new Map<string, DownloadRecord>()
        const index = new DuplicateIndex((id) => records.get(id))
        const keyOf = (r: DownloadRecord): DuplicateKey => ({
          urlKey: urlKeyOf(r.url),
          dir: r.dir,
          requestedName: r.requestedName,
        })
        const scan = (key: DuplicateKey, except?: string) =>
          [...records.values()].find(
            (r) =>
              r.id !== except &&
              urlKeyOf(r.url) === key.urlKey &&
              r.dir === key.dir &&
              r.requestedName === key.requestedName,
          )?.id
        const nth = (at: number) => [...records.values()][at % Math.max(1, records.size)]
        for (const o of ops) {
          if (o.kind === 'add') {
            const r = buildRecord({ url: o.url, ...(o.name ? { name: o.name } : {}) }, o.dir)
            // The engine adds only what is not a duplicate.
            if (scan(keyOf(r)) !== undefined) continue
            records.set(r.id, r)
            index.add(r)
          } else {
            const r = nth(o.at)
            if (!r) continue
            if (o.kind === 'remove') {
              index.delete(r)
              records.delete(r.id)
            } else if (o.kind === 'rename') {
              if (scan({ ...keyOf(r), requestedName: o.name }, r.id) !== undefined) continue
              index.delete(r)
              r.requestedName = o.name
              index.add(r)
            } else {
              if (scan({ ...keyOf(r), urlKey: urlKeyOf(new URL(o.url).href) }, r.id) !== undefined)
                continue
              index.delete(r)
              r.url = new URL(o.url).href
              index.add(r)
            }
          }
          for (const r of records.values()) expect(index.find(keyOf(r))).toBe(r.id)
          for (const url of urls)
            for (const dir of ['/x', '/y'])
              for (const requestedName of [null, 'n1', 'n2']) {
                const key = { urlKey: urlKeyOf(new URL(url).href), dir, requestedName }
                expect(index.find(key)).toBe(scan(key))
              }
        }
      }),
    )
  })
})
