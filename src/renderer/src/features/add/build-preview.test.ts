import { describe, expect, it } from 'vitest'
import { parseList } from '../../../../shared/list/parse-list.ts'
import { buildPreview } from './build-preview.ts'

const preview = (text: string, queued: string[] = []) =>
  buildPreview(parseList(text, 'list'), text, new Map(queued.map((url, i) => [url, `id${i}`])))

describe('buildPreview', () => {
  it('marks duplicates in the list and of the queue, and adds each URL once', () => {
    const p = preview(
      'https://a.example/1\nhttps://A.example/1#frag\nhttps://a.example/2\nhttps://a.example/3\nbad line',
      ['https://a.example/3'],
    )
    expect(p.requests.map((r) => r.url)).toEqual(['https://a.example/1', 'https://a.example/2'])
    expect(p.rows).toEqual([
      { kind: 'ok', line: 1, url: 'https://a.example/1' },
      { kind: 'duplicate', line: 2, url: 'https://A.example/1#frag', of: 1 },
      { kind: 'ok', line: 3, url: 'https://a.example/2' },
      {
        kind: 'queued',
        line: 4,
        url: 'https://a.example/3',
        key: 'https://a.example/3',
        existingId: 'id0',
      },
      { kind: 'invalid', line: 5, text: 'bad line', reason: 'not a URL: "bad line"' },
    ])
    expect(p.queued).toEqual([
      { key: 'https://a.example/3', existingId: 'id0', request: { url: 'https://a.example/3' } },
    ])
    expect(p.duplicates).toBe(2)
    expect(p.invalid).toBe(1)
  })

  it('names unsupported schemes, keeps options, counts a bad line once', () => {
    const p = preview(
      `# list\nfile:///etc/passwd\njavascript:alert(1) https://x.example/ok javascript:void(0)\nhttps://x.example/b\n  out=b.bin`,
    )
    expect(p.requests).toEqual([
      { url: 'https://x.example/ok' },
      { url: 'https://x.example/b', name: 'b.bin' },
    ])
    expect(p.invalid).toBe(2)
    expect(p.rows.filter((r) => r.kind === 'invalid').map((r) => r.line)).toEqual([2, 3, 3])
  })

  it('previews 10,000 URLs', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `https://example.com/f${i}.bin`).join(
      '\n',
    )
    expect(preview(text).requests).toHaveLength(10_000)
  })
})
