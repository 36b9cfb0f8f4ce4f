import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { DownloadSnapshot } from '../shared/protocol/model.ts'
import { makeSnapshot } from '../../test/make-snapshot.ts'
import { resolveDownloadPath } from './download-path.ts'

const row = (id: string, patch: Partial<DownloadSnapshot>) =>
  makeSnapshot({ id, dir: '/home/a/Downloads', name: `${id}.iso`, state: 'completed', ...patch })

const downloads = [
  row('done', { finalUrl: 'https://cdn.example.com/done.iso' }),
  row('running', { state: 'downloading' }),
  row('evil', { name: '../../etc/passwd' }),
]

describe('resolveDownloadPath', () => {
  it("finds a completed download's file by id", () => {
    expect(resolveDownloadPath(downloads, 'done', 'open')).toEqual({
      path: join('/home/a/Downloads', 'done.iso'),
      name: 'done.iso',
      origin: 'https://cdn.example.com/done.iso',
    })
    expect(resolveDownloadPath(downloads, 'running', 'show')).toEqual({
      path: join('/home/a/Downloads', 'running.iso'),
      name: 'running.iso',
      origin: 'https://example.com/running',
    })
  })

  it('refuses unknown ids, non-ids, unfinished opens and names that are paths', () => {
    expect(resolveDownloadPath(downloads, 'running', 'open')).toHaveProperty('error')
    expect(resolveDownloadPath(downloads, 'nope', 'show')).toHaveProperty('error')
    expect(resolveDownloadPath(downloads, '/etc/passwd', 'open')).toHaveProperty('error')
    expect(resolveDownloadPath(downloads, { id: 'done' }, 'open')).toHaveProperty('error')
    expect(resolveDownloadPath(downloads, 'evil', 'open')).toHaveProperty('error')
  })
})
