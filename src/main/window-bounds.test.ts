import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_SIZE, restoreWindowState, type Rect } from './window-bounds.ts'

const laptop: Rect = { x: 0, y: 0, width: 1440, height: 875 }
const external: Rect = { x: 1440, y: -200, width: 2560, height: 1400 }

describe('restoreWindowState', () => {
  it('restores saved bounds that are on a screen', () => {
    expect(
      restoreWindowState({ x: 100, y: 80, width: 900, height: 600, maximized: true }, [laptop]),
    ).toEqual({ x: 100, y: 80, width: 900, height: 600, maximized: true, restored: true })
    expect(
      restoreWindowState({ x: 2000, y: 0, width: 1200, height: 800 }, [laptop, external]),
    ).toMatchObject({ x: 2000, y: 0, restored: true })
  })

  it('centres the default size when the saved screen is gone or the file is junk', () => {
    const centred = {
      x: (1440 - DEFAULT_SIZE.width) / 2,
      y: Math.round((875 - DEFAULT_SIZE.height) / 2),
      ...DEFAULT_SIZE,
      maximized: false,
      restored: false,
    }
    for (const saved of [
      { x: 2000, y: 0, width: 1200, height: 800 },
      { x: 100, y: -500, width: 800, height: 600 },
      { x: 'a' },
      null,
      { x: 1.5, y: 0, width: 800, height: 600 },
      { x: 0, y: 0, width: -5, height: 600 },
    ])
      expect(restoreWindowState(saved, [laptop]), JSON.stringify(saved)).toEqual(centred)
  })

  it('shrinks a window larger than its screen and moves it inside', () => {
    expect(restoreWindowState({ x: 500, y: 100, width: 3000, height: 2000 }, [laptop])).toEqual({
      x: 0,
      y: 0,
      width: 1440,
      height: 875,
      maximized: false,
      restored: true,
    })
  })

  it('always returns a window whose title bar is on some screen', () => {
    fc.assert(
      fc.property(
        fc.record({
          x: fc.integer({ min: -5000, max: 5000 }),
          y: fc.integer({ min: -5000, max: 5000 }),
          width: fc.integer({ min: 1, max: 6000 }),
          height: fc.integer({ min: 1, max: 6000 }),
        }),
        (saved) => {
          const state = restoreWindowState(saved, [laptop, external])
          const on = [laptop, external].some(
            (a) =>
              state.x >= a.x &&
              state.y >= a.y &&
              state.x + state.width <= a.x + a.width &&
              state.y + state.height <= a.y + a.height,
          )
          expect(on).toBe(true)
        },
      ),
    )
  })
})
