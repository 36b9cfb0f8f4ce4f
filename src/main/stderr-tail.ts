/**
 * The last lines an engine process wrote to stderr, for the error shown when it keeps
 * crashing. Bounded in lines and in line length, whatever the process prints.
 */
export class StderrTail {
  #lines: string[] = []
  #partial = ''
  #maxLines: number
  #maxLineLength: number

  constructor(maxLines = 20, maxLineLength = 500) {
    this.#maxLines = maxLines
    this.#maxLineLength = maxLineLength
  }

  push(chunk: string): void {
    const parts = (this.#partial + chunk).split(/\r?\n/)
    this.#partial = (parts.pop() ?? '').slice(-this.#maxLineLength)
    for (const line of parts) this.#add(line)
  }

  /** The kept lines, oldest first, including an unfinished last line. */
  text(): string {
    return [...this.#lines, ...(this.#partial ? [this.#partial] : [])].join('\n')
  }

  clear(): void {
    this.#lines = []
    this.#partial = ''
  }

  #add(line: string): void {
    if (line === '') return
    this.#lines.push(
      line.length > this.#maxLineLength ? `${line.slice(0, this.#maxLineLength)}…` : line,
    )
    if (this.#lines.length > this.#maxLines) this.#lines.shift()
  }
}
