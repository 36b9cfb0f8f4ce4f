import { describe, expect, it } from 'vitest'
import { chunkSize } from './list-enqueue.ts'

describe('downpour get adds a long list in chunks', () => {
  it('starts with 250 requests and doubles up to 2,000, so the first downloads start early', () => {
    expect(Array.from({ length: 7 }, (_, round) => chunkSize(round))).toEqual([
      250, 500, 1000, 2000, 2000, 2000, 2000,
    ])
    // The whole list is added whatever its length: every round adds at least one request.
    for (let round = 0; round < 1000; round++) expect(chunkSize(round)).toBeGreaterThan(0)
  })
})
