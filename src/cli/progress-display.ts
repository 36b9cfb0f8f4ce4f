import type { DownloadSnapshot } from '../shared/protocol/model.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'
import { formatBytes, formatDuration } from '../shared/format.ts'
import type { TextSink } from './cli-output.ts'
import { escapeTerminalText } from './terminal-text.ts'
import { fitColumns, textColumns } from './terminal-width.ts'

type Row = {
  name: string
  done: number
  size: number | null
  speed: number
  eta: number | null
  tries: number
  state: string
  /** Why the last try failed, in a few words (shown while retrying). */
  reason: string
}

/**
 * What `downpour get` shows while it works. On a terminal: one live line per running download
 * (name, bar, percent, speed, ETA, tries) and a total line, redrawn in place on each heartbeat.
 * Elsewhere (a pipe, a log file): one plain line per event worth reading. Names and messages come
 * from servers and lists: every one is escaped before it reaches the terminal.
 */
export class ProgressDisplay {
  #out: TextSink
  #tty: boolean
  #rows = new Map<string, Row>()
  /** The columns of each live line on the screen (its rows there depend on the width now). */
  #drawn: number[] = []
  #stopResize: () => void = () => {}
  #totalSpeed = 0
  /** Downloads this run was given (told by `track`), and how many of them have ended. */
  #tracked = 0
  #ended = 0

  constructor(out: TextSink) {
    this.#out = out
    this.#tty = Boolean(out.isTTY)
    // Drawn again at once at the new width: a narrower terminal has rewrapped the live lines.
    if (this.#tty && out.onResize) this.#stopResize = out.onResize(() => this.#redraw())
  }

  /**
   * `count` more downloads belong to this run. A queued download gets no state change until it
   * starts, so the "waiting" figure counts from this, not from the rows (which would say "0 waiting"
   * while some are queued). A count, not rows: a 100,000-URL list holds no row per line.
   */
  track(count: number): void {
    this.#tracked += count
    this.#redraw()
  }

  /** `alreadyThere`: the file was found complete at its name (nothing was fetched). */
  changed(download: DownloadSnapshot, previousState: string, alreadyThere = false): void {
    if (download.state !== previousState && ENDED.has(download.state)) this.#ended++
    const row = this.#row(download)
    Object.assign(row, {
      name: download.name,
      size: download.size,
      tries: download.tries,
      state: download.state,
      reason: shortReason(download.error),
    })
    if (download.state === previousState) return
    if (download.state === 'completed') {
      this.#line(
        `done      ${download.name} (${alreadyThere ? 'already downloaded' : formatBytes(download.size ?? download.done)})`,
      )
      this.#rows.delete(download.id)
    } else if (download.state === 'failed' || download.state === 'paused') {
      // Its line is the run's error line on stderr (`interject`), printed once.
      this.#rows.delete(download.id)
    } else if (download.state === 'retrying' && !this.#tty) {
      this.#line(
        `retrying  ${download.name} (try ${download.tries}): ${download.error?.message ?? ''}`,
      )
    } else if (download.state === 'downloading' && !this.#tty && previousState !== 'retrying') {
      this.#line(
        `started   ${download.name}${download.size !== null ? ` (${formatBytes(download.size)})` : ''}`,
      )
    }
    this.#redraw()
  }

  beat(beat: EngineEvents['progress/beat']): void {
    this.#totalSpeed = beat.speed
    for (const item of beat.items) {
      const row = this.#rows.get(item.id)
      if (row)
        Object.assign(row, { done: item.done, size: item.size, speed: item.speed, eta: item.eta })
    }
    this.#redraw()
  }

  /**
   * Writes through `write` (another stream: stderr) with the live rows out of the way, so a
   * line printed elsewhere on the same terminal neither lands inside them nor is erased.
   */
  interject(write: () => void): void {
    this.#clear()
    write()
    this.#redraw()
  }

  message(text: string): void {
    this.#line(text)
  }

  /** A warning about one download (its message starts with the download's name). */
  warning(text: string): void {
    this.#line(`warning   ${text}`)
  }

  /** Leaves the terminal clean (final newline, no half-drawn lines). */
  finish(): void {
    this.#clear()
    this.#rows.clear()
    this.#stopResize()
  }

  #row(download: DownloadSnapshot): Row {
    let row = this.#rows.get(download.id)
    if (!row) {
      row = {
        name: download.name,
        done: download.done,
        size: download.size,
        speed: 0,
        eta: null,
        tries: download.tries,
        state: download.state,
        reason: shortReason(download.error),
      }
      this.#rows.set(download.id, row)
    }
    return row
  }

  #line(text: string): void {
    this.#clear()
    this.#out.write(`${escapeTerminalText(text)}\n`)
    this.#redraw()
  }

  #clear(): void {
    if (!this.#tty || this.#drawn.length === 0) return
    this.#out.write(`\x1b[${screenRows(this.#drawn, this.#out.columns ?? 80)}F\x1b[J`)
    this.#drawn = []
  }

  #redraw(): void {
    if (!this.#tty) return
    this.#clear()
    // One column short of the terminal's width: a line that fills the last column wraps on some
    // terminals, and a wrapped line is two rows the erase (counted in lines) leaves behind.
    const width = Math.max(1, (this.#out.columns ?? 80) - 1)
    const maxRows = Math.max(1, (this.#out.rows ?? 24) - 4)
    const rows = [...this.#rows.values()].filter(
      (r) => r.state !== 'queued' && r.state !== 'paused',
    )
    const lines = rows.slice(0, maxRows).map((r) => renderRow(r, width))
    if (rows.length > maxRows) lines.push(`… and ${rows.length - maxRows} more`)
    const waiting = Math.max(0, this.#tracked - this.#ended - rows.length)
    const counts = `${rows.length} active · ${waiting} waiting`
    const total = `total ${formatBytes(this.#totalSpeed)}/s · ${counts}`
    // A narrow terminal keeps the counts whole and cuts the speed instead.
    lines.push(
      textColumns(total) <= width ? total : `${counts} · ${formatBytes(this.#totalSpeed)}/s`,
    )
    const fitted = lines.map((line) => fitColumns(line, width))
    this.#out.write(fitted.join('\n') + '\n')
    this.#drawn = fitted.map((line) => textColumns(line))
  }
}

/**
 * The screen rows that lines of these widths take on a terminal `columns` wide now. A terminal
 * made narrower after they were drawn rewraps them (VTE, iTerm2, Windows Terminal, kitty,
 * Alacritty and tmux do): an erase counted in lines would leave the wrapped rest behind.
 * xterm cuts lines instead of rewrapping them: there, once after a narrowing, the
 * erase also takes a few printed lines above the live ones off the screen (never stale rows).
 */
export function screenRows(lineColumns: readonly number[], columns: number): number {
  const width = Math.max(1, columns)
  let rows = 0
  for (const used of lineColumns) rows += Math.max(1, Math.ceil(used / width))
  return rows
}

/**
 * A failed try's cause in a few words for the live row, which has little room: the HTTP status,
 * the system error code (ECONNRESET) or the error's first words. The full message is in the log.
 */
export function shortReason(error: DownloadSnapshot['error']): string {
  if (!error) return ''
  const status = /server answered (\d{3})/.exec(error.message)?.[1]
  if (status) return `HTTP ${status}`
  const code = /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/.exec(error.message)?.[1]
  if (code) return code
  const words = error.message.split(/[:(]/)[0]!.trim()
  return words.length > 24 ? `${words.slice(0, 23)}…` : words
}

/** States a download of a CLI run ends in (paused: by the engine, for a full disk). */
const ENDED = new Set(['completed', 'failed', 'paused'])

/**
 * One live row in at most `width` columns: the bar goes first when there is no room for it, then
 * the name is cut (fitColumns cuts whatever is left over).
 */
function renderRow(row: Row, width: number): string {
  const percent = row.size ? Math.min(100, (row.done / row.size) * 100) : null
  const pct = percent === null ? '  ?%' : `${percent.toFixed(0).padStart(3)}%`
  const status =
    row.state === 'retrying'
      ? `retry ${row.tries}${row.reason ? ` (${row.reason})` : ''}`
      : `${formatBytes(row.speed).padStart(9)}/s ${formatDuration(row.eta)}`
  const core = ` ${pct} ${status}`
  const barWidth = Math.max(10, Math.min(30, width - 60))
  // A name of 8 columns at least beside the bar, or no bar.
  const withBar = width >= 8 + 1 + barWidth + core.length
  const filled = percent === null ? 0 : Math.round((percent / 100) * barWidth)
  const bar = !withBar
    ? ''
    : percent === null
      ? ` ${'·'.repeat(barWidth)}`
      : ` ${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`
  const tail = `${bar}${core}`
  const nameWidth = Math.max(1, width - tail.length)
  return fitColumns(fitColumns(escapeTerminalText(row.name), nameWidth, true) + tail, width)
}
