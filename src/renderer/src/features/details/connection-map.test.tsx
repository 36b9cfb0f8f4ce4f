// @vitest-environment happy-dom
import { cleanup, render, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { SegmentMap } from '../../../../shared/protocol/details.ts'
import { installLayoutShim } from '../../test/layout-shim.ts'
import { ConnectionMap } from './connection-map.tsx'

installLayoutShim()
const MiB = 1024 * 1024

describe('the connection map of a download with mirrors', () => {
  afterEach(() => cleanup())

  it('lists the bytes each source brought, and why a dropped one was dropped', () => {
    const map: SegmentMap = {
      id: 'a',
      size: 40 * MiB,
      finished: [[0, 10 * MiB]],
      connections: [
        { start: 10 * MiB, pos: 12 * MiB, end: 20 * MiB, source: 'main.example' },
        { start: 20 * MiB, pos: 26 * MiB, end: 40 * MiB, source: 'm1.example' },
      ],
      sources: [
        {
          url: 'https://main.example/f',
          host: 'main.example',
          bytes: 6 * MiB,
          connections: 1,
          dropped: null,
        },
        {
          url: 'https://m1.example/f',
          host: 'm1.example',
          bytes: 12 * MiB,
          connections: 2,
          dropped: null,
        },
        {
          url: 'https://m2.example/f',
          host: 'm2.example',
          bytes: 0,
          connections: 0,
          dropped: 'answered 404',
        },
      ],
    }
    render(<ConnectionMap map={map} />)
    const list = screen.getByRole('list', { name: 'Bytes by source' })
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([
      'URL main.example: 6.0 MiB (33 %), 1 connection',
      'mirror m1.example: 12 MiB (67 %), 2 connections',
      'mirror m2.example: 0 B (0 %); dropped: answered 404',
    ])
  })

  it('shows no such list for a download without mirrors', () => {
    render(<ConnectionMap map={{ id: 'a', size: 10, finished: [], connections: [] }} />)
    expect(screen.queryByRole('list', { name: 'Bytes by source' })).toBeNull()
  })
})
