// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { DOWNLOAD_STATES } from '../../../../shared/protocol/model.ts'
import { menuActions } from './row-actions.ts'

describe('the row menu', () => {
  it('offers Start now exactly for downloads waiting on the limit or paused', () => {
    const withStartNow = DOWNLOAD_STATES.filter((state) =>
      menuActions(state, () => {}).some((a) => a.key === 'start-now'),
    )
    expect(withStartNow).toEqual(['queued', 'paused'])
    expect(menuActions('queued', () => {}).map((a) => a.label)).toEqual([
      'Pause',
      'Start now',
      'Details',
      'Copy URL',
      'Remove',
    ])
  })
})
