import type { DownloadSnapshot } from '../shared/protocol/model.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'
import { formatBytes, formatDuration } from '../shared/format.ts'
import type { TextSink } from './cli-output.ts'
import { escapeTerminalText } from './terminal-text.ts'

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
  #drawnLines = 0
  #totalSpeed = 0

  constructor(out: TextSink) {
    this.#out = out
    this.#tty = Boolean(out.isTTY)
  }

  /** `alreadyThere`: the file was found complete at its name (nothing was fetched). */
  changed(download: DownloadSnapshot, previousState: string, alreadyThere = false): void {
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
    } else if (download.state === 'failed') {
      this.#line(`failed    ${download.name}: ${download.error?.message ?? 'unknown error'}`)
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
    if (!this.#tty || this.#drawnLines === 0) return
    this.#out.write(`\x1b[${this.#drawnLines}F\x1b[J`)
    this.#drawnLines = 0
  }

  #redraw(): void {
    if (!this.#tty) return
    this.#clear()
    const width = Math.max(40, this.#out.columns ?? 80)
    const maxRows = Math.max(1, (this.#out.rows ?? 24) - 4)
    const rows = [...this.#rows.values()].filter(
      (r) => r.state !== 'queued' && r.state !== 'paused',
    )
    const lines = rows.slice(0, maxRows).map((r) => renderRow(r, width))
    if (rows.length > maxRows) lines.push(`… and ${rows.length - maxRows} more`)
    const queued = [...this.#rows.values()].length - rows.length
    lines.push(
      `total ${formatBytes(this.#totalSpeed)}/s · ${rows.length} active · ${queued} waiting`,
    )
    this.#out.write(lines.join('\n') + '\n')
    this.#drawnLines = lines.length
  }
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

function renderRow(row: Row, width: number): string {
  const percent = row.size ? Math.min(100, (row.done / row.size) * 100) : null
  const barWidth = Math.max(10, Math.min(30, width - 60))
  const filled = percent === null ? 0 : Math.round((percent / 100) * barWidth)
  const bar =
    percent === null ? '·'.repeat(barWidth) : '█'.repeat(filled) + '░'.repeat(barWidth - filled)
  const pct = percent === null ? '  ?%' : `${percent.toFixed(0).padStart(3)}%`
  const status =
    row.state === 'retrying'
      ? `retry ${row.tries}${row.reason ? ` (${row.reason})` : ''}`
      : `${formatBytes(row.speed).padStart(9)}/s ${formatDuration(row.eta)}`
  const tail = ` ${bar} ${pct} ${status}`
  const nameWidth = Math.max(8, width - tail.length - 1)
  const shown = escapeTerminalText(row.name)
  const name =
    shown.length > nameWidth ? `${shown.slice(0, nameWidth - 1)}…` : shown.padEnd(nameWidth)
  return name + tail
}
