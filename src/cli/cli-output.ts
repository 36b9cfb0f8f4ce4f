import { escapeTerminalText, terminalSafeJson } from './terminal-text.ts'

/** The version of `downpour get --json`'s events (docs/cli-json.md), in every event. */
export const JSON_VERSION = 1

/** Where the progress display draws: a terminal, a pipe or a file. */
export type TextSink = {
  readonly isTTY?: boolean
  readonly columns?: number
  readonly rows?: number
  write(text: string): unknown
  /** Calls `listener` when the terminal's size changes (SIGWINCH); returns how to stop. */
  onResize?(listener: () => void): () => void
}

/**
 * The CLI's only way to print. Every line is escaped for the terminal (it carries URLs, names,
 * input lines and server messages), and a stream whose reader went away (`downpour get --json URL
 * | head -1` closes stdout: EPIPE) is treated as nobody listening: later output to it is dropped
 * and the downloads go on, instead of an unhandled 'error' killing the run with its queue unsaved.
 */
export class CliOutput {
  #stdout: NodeJS.WriteStream
  #stderr: NodeJS.WriteStream
  #stdoutGone = false
  #stderrGone = false
  /** The progress display's sink: stdout while someone reads it. */
  readonly display: TextSink

  constructor(
    stdout: NodeJS.WriteStream = process.stdout,
    stderr: NodeJS.WriteStream = process.stderr,
  ) {
    this.#stdout = stdout
    this.#stderr = stderr
    // Any write error (EPIPE, EIO from a closed terminal) means the same: nobody reads any more.
    stdout.on('error', () => (this.#stdoutGone = true))
    stderr.on('error', () => (this.#stderrGone = true))
    this.display = {
      get isTTY() {
        return Boolean(stdout.isTTY)
      },
      get columns() {
        return stdout.columns
      },
      get rows() {
        return stdout.rows
      },
      write: (text: string) => this.#write('out', text),
      onResize: (listener: () => void) => {
        stdout.on('resize', listener)
        return () => stdout.off('resize', listener)
      },
    }
  }

  /** Whether stdout still has a reader. */
  get listening(): boolean {
    return !this.#stdoutGone
  }

  /** One line on stdout, escaped. */
  out(line: string): void {
    this.#write('out', `${escapeTerminalText(line)}\n`)
  }

  /** One `downpour: …` line on stderr, escaped. */
  error(line: string): void {
    this.#write('err', `downpour: ${escapeTerminalText(line)}\n`)
  }

  /**
   * One `--json` event on stdout: `event` and `version` first, then the payload (the format is
   * docs/cli-json.md; a change to a field's meaning raises JSON_VERSION).
   */
  json(event: string, payload: object): void {
    this.#write('out', `${terminalSafeJson({ event, version: JSON_VERSION, ...payload })}\n`)
  }

  #write(to: 'out' | 'err', text: string): void {
    if (to === 'out' ? this.#stdoutGone : this.#stderrGone) return
    const stream = to === 'out' ? this.#stdout : this.#stderr
    if (stream.destroyed || stream.writableEnded) {
      if (to === 'out') this.#stdoutGone = true
      else this.#stderrGone = true
      return
    }
    stream.write(text)
  }
}
