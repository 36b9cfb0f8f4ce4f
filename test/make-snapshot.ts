import type { DownloadSnapshot } from '../src/shared/protocol/model.ts'

/**
 * A download as a client sees it, for tests that need one without an engine: a new queued
 * download (the values the engine gives one) named by `id`, with `patch` over it. The one
 * place the whole `DownloadSnapshot` literal is written for tests, so a new field is added once.
 */
export function makeSnapshot(patch: Partial<DownloadSnapshot> = {}): DownloadSnapshot {
  const id = patch.id ?? 'd1'
  return {
    id,
    url: `https://example.com/${id}`,
    finalUrl: null,
    dir: '/tmp',
    name: id,
    state: 'queued',
    size: null,
    done: 0,
    speed: 0,
    eta: null,
    tries: 0,
    maxTries: 5,
    nextRetryAt: null,
    error: null,
    resumable: null,
    connections: 0,
    checksum: null,
    speedLimit: 0,
    maxConnections: null,
    createdAt: 0,
    completedAt: null,
    ...patch,
  }
}
