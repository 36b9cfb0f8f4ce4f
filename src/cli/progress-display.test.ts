import { describe, expect, it } from 'vitest'
import { ProgressDisplay } from './progress-display.ts'
import { textColumns } from './terminal-width.ts'
import type { DownloadSnapshot } from '../shared/protocol/model.ts'
import { makeSnapshot } from '../../test/make-snapshot.ts'

function fakeStream(isTTY: boolean) {
  const writes: string[] = []
  const stream = { isTTY, columns: 100, rows: 30, write: (s: string) => writes.push(s) > 0 }
  return { stream: stream as unknown as NodeJS.WriteStream, writes }
}

const snapshot = (patch: Partial<DownloadSnapshot>): DownloadSnapshot =>
  makeSnapshot({
    id: 'a',
    url: 'http://x/a.iso',
    dir: '/d',
    name: 'a.iso',
    state: 'downloading',
    size: 1000,
    tries: 1,
    resumable: true,
    connections: 1,
    ...patch,
  })

const beat = (done: number) => ({
  seq: 1,
  at: 0,
  revision: 1,
  speed: 2048,
  active: 1,
  items: [{ id: 'a', done, size: 1000, speed: 2048, eta: 3, connections: 1 }],
})

describe('ProgressDisplay', () => {
  it('on a terminal, redraws a bar line per download and a total line in place', () => {
    const { stream, writes } = fakeStream(true)
    const display = new ProgressDisplay(stream)
    display.changed(snapshot({}), 'queued')
    display.beat(beat(500))
    const frame = writes.at(-1)!
    expect(frame).toMatch(/^a\.iso\s+█+░+\s+50% +2\.0 KiB\/s 00:03\n/)
    expect(frame).toMatch(/total 2\.0 KiB\/s · 1 active · 0 waiting\n$/)
    // The previous frame (2 lines) is erased before the next is drawn.
    display.beat(beat(750))
    expect(writes).toContain('\x1b[2F\x1b[J')
    expect(writes.at(-1)).toMatch(/75%/)
  })

  it('a retrying row on a terminal says why the last try failed, in a few words', () => {
    const cases: [DownloadSnapshot['error'], string][] = [
      [
        {
          code: 'DP_ERR_HTTP_RETRYABLE',
          message: 'server answered 503 Service Unavailable for http://x/a',
        },
        'retry 2 (HTTP 503)',
      ],
      [
        { code: 'DP_ERR_NETWORK', message: 'network error (ECONNRESET: other side closed)' },
        'retry 2 (ECONNRESET)',
      ],
      [
        { code: 'DP_ERR_TIMEOUT', message: 'timed out: Headers Timeout Error' },
        'retry 2 (timed out)',
      ],
    ]
    for (const [error, shown] of cases) {
      const { stream, writes } = fakeStream(true)
      new ProgressDisplay(stream).changed(
        snapshot({ state: 'retrying', tries: 2, error }),
        'downloading',
      )
      expect(writes.at(-1)).toContain(shown)
    }
  })

  it('shows retries in the row, and prints finished downloads above the live lines', () => {
    const { stream, writes } = fakeStream(true)
    const display = new ProgressDisplay(stream)
    display.changed(snapshot({ state: 'retrying', tries: 2 }), 'downloading')
    expect(writes.at(-1)).toMatch(/retry 2/)
    display.changed(snapshot({ state: 'completed', done: 1000 }), 'retrying')
    expect(writes.join('')).toContain('done      a.iso (1000 B)\n')
  })

  it('without a terminal, writes plain lines only and no escape codes', () => {
    const { stream, writes } = fakeStream(false)
    const display = new ProgressDisplay(stream)
    display.changed(snapshot({}), 'probing')
    display.beat(beat(500))
    display.changed(
      snapshot({
        state: 'retrying',
        tries: 2,
        error: { code: 'DP_ERR_NETWORK', message: 'reset' },
      }),
      'downloading',
    )
    display.changed(
      snapshot({ state: 'failed', error: { code: 'DP_ERR_HTTP_STATUS', message: '404' } }),
      'retrying',
    )
    // The failure's line is the run's one error line on stderr (get-command), not the display's.
    expect(writes.join('')).toBe('started   a.iso (1000 B)\nretrying  a.iso (try 2): reset\n')
  })

  it("on a terminal, a download's warning is printed above the live lines, which are redrawn", () => {
    const { stream, writes } = fakeStream(true)
    const display = new ProgressDisplay(stream)
    display.changed(snapshot({}), 'queued')
    display.warning(
      'a.iso: server sent Content-Encoding "gzip" although identity was asked; saving the bytes as sent',
    )
    const after = writes.slice(writes.indexOf('\x1b[2F\x1b[J') + 1)
    expect(after[0]).toBe(
      'warning   a.iso: server sent Content-Encoding "gzip" although identity was asked; saving the bytes as sent\n',
    )
    expect(after[1]).toMatch(/^a\.iso\s+.*\ntotal /)
  })

  it('names and messages from outside are escaped: no escape sequence reaches the terminal', () => {
    const { stream, writes } = fakeStream(true)
    const display = new ProgressDisplay(stream)
    display.changed(snapshot({ name: 'x\u001b]0;pwned\u0007\u202e.iso' }), 'queued')
    display.changed(
      snapshot({
        name: 'x\u001b]0;pwned\u0007\u202e.iso',
        state: 'failed',
        error: { code: 'E', message: 'bad \u001b[2J' },
      }),
      'downloading',
    )
    display.warning('x: \u009b31m red')
    // eslint-disable-next-line no-control-regex -- the display's own cursor moves
    const text = writes.join('').replace(/\x1b\[\d*F\x1b\[J/g, '')
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/)
    expect(text).toContain('x\\x1b]0;pwned\\x07\\u202e.iso ')
    expect(text).toContain('warning   x: \\x9b31m red\n')
  })
  it('on a terminal narrower than 40 columns, no drawn line is wider than the terminal (a wrapped line would stay behind)', () => {
    for (const columns of [10, 20, 30, 39, 60, 100]) {
      const writes: string[] = []
      const stream = { isTTY: true, columns, rows: 30, write: (s: string) => writes.push(s) > 0 }
      const display = new ProgressDisplay(stream)
      display.changed(
        snapshot({ name: 'a-rather-long-file-name-for-a-narrow-terminal.iso' }),
        'queued',
      )
      display.changed(snapshot({ id: 'b', name: '中文文件名很长很长很长很长.iso' }), 'queued')
      display.changed(
        snapshot({
          id: 'c',
          state: 'retrying',
          tries: 3,
          error: { code: 'E', message: 'server answered 503' },
        }),
        'downloading',
      )
      display.beat(beat(500))
      const frame = writes.at(-1)!
      const lines = frame.split('\n').slice(0, -1)
      expect(lines.length).toBe(4)
      for (const line of lines)
        expect(textColumns(line), `${columns}: ${line}`).toBeLessThan(columns)
    }
  })

  it('counts as waiting the downloads it was told of that have not started yet', () => {
    const { stream, writes } = fakeStream(true)
    const display = new ProgressDisplay(stream)
    display.track(3)
    expect(writes.at(-1)).toMatch(/· 0 active · 3 waiting\n$/)
    display.changed(snapshot({}), 'queued')
    expect(writes.at(-1)).toMatch(/· 1 active · 2 waiting\n$/)
    display.changed(snapshot({ state: 'completed' }), 'downloading')
    expect(writes.at(-1)).toMatch(/· 0 active · 2 waiting\n$/)
    display.changed(snapshot({ id: 'b', state: 'failed' }), 'queued')
    expect(writes.at(-1)).toMatch(/· 0 active · 1 waiting\n$/)
  })
})

/**
 * A terminal that rewraps its lines when made narrower (as VTE, iTerm2, kitty, tmux do), for
 * what the display writes: whole lines, `ESC [ n F` (n rows up, column 0) and `ESC [ J` (erase
 * to the end). `lines` is what a person sees, one entry per line written.
 */
class ReflowingTerminal {
  isTTY = true
  columns: number
  rows = 30
  lines: string[] = []
  #resize: (() => void)[] = []
  constructor(columns: number) {
    this.columns = columns
  }
  onResize(listener: () => void) {
    this.#resize.push(listener)
    return () => (this.#resize = this.#resize.filter((l) => l !== listener))
  }
  resize(columns: number) {
    this.columns = columns
    for (const listener of this.#resize) listener()
  }
  /** Rows each line takes now (a wrapped line: several). */
  #rowsOf(line: string) {
    return Math.max(1, Math.ceil(textColumns(line) / this.columns))
  }
  write(text: string) {
    // eslint-disable-next-line no-control-regex -- the display's escape sequences are the point
    for (const part of text.split(/(\x1b\[\d+F\x1b\[J)/)) {
      // eslint-disable-next-line no-control-regex -- the same
      const up = /^\x1b\[(\d+)F\x1b\[J$/.exec(part)
      if (up) this.#eraseRows(Number(up[1]))
      else if (part) this.lines.push(...part.replace(/\n$/, '').split('\n'))
    }
    return true
  }
  /** Erases the last `n` screen rows: a line partly in them keeps its rows above (stale). */
  #eraseRows(n: number) {
    let left = n
    while (left > 0 && this.lines.length > 0) {
      const last = this.lines.at(-1)!
      const rows = this.#rowsOf(last)
      if (rows <= left) {
        this.lines.pop()
        left -= rows
        continue
      }
      // The rows above the erased ones stay: the line's first (rows - left) rows.
      const keep = (rows - left) * this.columns
      let kept = ''
      for (const char of last) {
        if (textColumns(kept + char) > keep) break
        kept += char
      }
      this.lines[this.lines.length - 1] = kept
      left = 0
    }
  }
}

describe('ProgressDisplay on a terminal made narrower while it draws', () => {
  it('erases the rows its rewrapped lines take and draws again at the new width at once', () => {
    for (const [from, to] of [
      [120, 30],
      [100, 41],
      [80, 12],
      [60, 59],
    ] as const) {
      const terminal = new ReflowingTerminal(from)
      const display = new ProgressDisplay(terminal)
      terminal.write('a line printed before the run\n')
      display.changed(
        snapshot({ name: 'a-rather-long-file-name-for-a-narrow-terminal.iso' }),
        'queued',
      )
      display.changed(snapshot({ id: 'b', name: 'b.iso' }), 'queued')
      display.beat(beat(500))
      terminal.resize(to)
      const expected = (terminal: ReflowingTerminal) => {
        // The printed line, then exactly one frame: no piece of an earlier one.
        expect(terminal.lines[0], `${from}→${to}`).toBe('a line printed before the run')
        expect(terminal.lines, `${from}→${to}`).toHaveLength(1 + 3)
        expect(terminal.lines.at(-1)).toMatch(/active/)
        for (const line of terminal.lines.slice(1))
          expect(textColumns(line), `${from}→${to}: ${line}`).toBeLessThan(to)
      }
      expected(terminal)
      display.beat(beat(750))
      expected(terminal)
      display.finish()
      expect(terminal.lines).toEqual(['a line printed before the run'])
    }
  })
})
