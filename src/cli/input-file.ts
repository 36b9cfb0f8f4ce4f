import { parseChecksumSpec } from '../engine/checksum/hash-file.ts'
import type { AddRequest } from '../shared/protocol/model.ts'
import { parseDownloadUrl } from '../shared/protocol/url.ts'

export type InputEntry = { line: number; request: AddRequest }
export type InputProblem = { line: number; message: string }

/**
 * Parses an aria2-style input file: one URL per line; blank lines and `#` comments skipped;
 * indented lines after a URL set options for it (`out=NAME`, `checksum=ALGO=HEX`,
 * `header=Name: value`). Every bad line becomes a problem naming its line number and the
 * reason; the good lines still come back, so they can download.
 */
export function parseInputFile(text: string): { entries: InputEntry[]; problems: InputProblem[] } {
  const entries: InputEntry[] = []
  const problems: InputProblem[] = []
  let current: InputEntry | null = null
  let currentInvalid = false
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  lines.forEach((raw, index) => {
    const line = index + 1
    if (raw.trim() === '' || raw.trim().startsWith('#')) return
    if (/^\s/.test(raw)) {
      if (currentInvalid) return
      if (!current) {
        problems.push({ line, message: `option line "${raw.trim()}" does not follow a URL` })
        return
      }
      const problem = applyOption(current.request, raw.trim())
      if (problem) problems.push({ line, message: problem })
      return
    }
    const text = raw.trim()
    try {
      parseDownloadUrl(text)
      current = { line, request: { url: text } }
      currentInvalid = false
      entries.push(current)
    } catch (error) {
      problems.push({ line, message: (error as Error).message })
      current = null
      currentInvalid = true
    }
  })
  return { entries, problems }
}

function applyOption(request: AddRequest, option: string): string | null {
  const eq = option.indexOf('=')
  if (eq <= 0) return `expected NAME=VALUE, got "${option}"`
  const name = option.slice(0, eq).trim().toLowerCase()
  const value = option.slice(eq + 1).trim()
  switch (name) {
    case 'out':
    case 'o':
      if (value === '' || /[/\\]/.test(value)) return `out= must be a file name, got "${value}"`
      request.name = value
      return null
    case 'checksum': {
      const checksum = parseChecksumSpec(value)
      if (!checksum)
        return `checksum= must be ALGO=HEX with ALGO sha-256, sha-1 or md5, got "${value}"`
      request.checksum = checksum
      return null
    }
    case 'header': {
      const header = parseHeader(value)
      if (!header) return `header= must be "Name: value", got "${value}"`
      request.headers = { ...request.headers, [header[0]]: header[1] }
      return null
    }
    default:
      return `unknown option "${name}" (known: out, checksum, header)`
  }
}

/** `Name: value` → [name, value]; null when malformed. */
export function parseHeader(text: string): [string, string] | null {
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*)$/.exec(text)
  if (!match || /[\r\n\0]/.test(match[2]!)) return null
  return [match[1]!, match[2]!]
}
