import { checksumSpecProblem, parseChecksumSpec } from '../../../../shared/list/checksum-spec.ts'
import { fileNameProblem } from '../../../../shared/list/file-name-check.ts'
import { parseHeaderLine } from '../../../../shared/list/header-line.ts'
import type { AddRequest, Checksum } from '../../../../shared/protocol/model.ts'

/** What the add dialog's options hold, as typed. */
export type AddOptionsInput = {
  name: string
  checksum: string
  referer: string
  /** `Name: value`, one a line. */
  headers: string
  user: string
  password: string
}

export const NO_ADD_OPTIONS: AddOptionsInput = {
  name: '',
  checksum: '',
  referer: '',
  headers: '',
  user: '',
  password: '',
}

export type AddOptionsField = keyof AddOptionsInput
export type AddOptionsProblem = { field: AddOptionsField; message: string }

/** The options, checked: a function that puts them on each request, or what to fix. */
export type AddOptions =
  | { ok: true; apply: (request: AddRequest) => AddRequest }
  | { ok: false; problems: AddOptionsProblem[] }

/**
 * Reads the add dialog's options for a list of `count` downloads, with the add request's own
 * rules (the engine checks them again): a file name and a checksum name one file, so they are
 * refused for several; headers are `Name: value` lines a request can carry; credentials go into
 * each URL's userinfo, the one way the engine takes them (Basic auth, sent to that origin only;
 * snapshots, logs, control files and origin marks show the URL with its password as `***`).
 */
export function readAddOptions(input: AddOptionsInput, count: number): AddOptions {
  const problems: AddOptionsProblem[] = []
  const name = input.name.trim()
  if (name !== '') {
    const problem =
      count > 1 ? `names one file: add ${count} URLs without it` : fileNameProblem(name)
    if (problem !== null) problems.push({ field: 'name', message: `File name ${problem}` })
  }
  let checksum: Checksum | null = null
  if (input.checksum.trim() !== '') {
    checksum = parseChecksumSpec(input.checksum)
    if (count > 1)
      problems.push({
        field: 'checksum',
        message: `Checksum is of one file: add ${count} URLs without it`,
      })
    else if (checksum === null)
      problems.push({
        field: 'checksum',
        message: `Checksum ${checksumSpecProblem(input.checksum.trim())}`,
      })
  }
  const headers: Record<string, string> = {}
  const referer = input.referer.trim()
  if (referer !== '') {
    if (!/^https?:\/\/[^\s]+$/i.test(referer) || !URL.canParse(referer))
      problems.push({
        field: 'referer',
        message: 'Referer must be a web address like https://example.com/page',
      })
    else {
      const line = parseHeaderLine(`Referer: ${referer}`)
      if (line.ok) headers.Referer = line.value
      else problems.push({ field: 'referer', message: `Referer: ${line.problem}` })
    }
  }
  input.headers.split(/\r\n|\r|\n/).forEach((text, index) => {
    if (text.trim() === '') return
    const line = parseHeaderLine(text)
    const at = `Headers, line ${index + 1}`
    if (!line.ok) problems.push({ field: 'headers', message: `${at}: ${line.problem}` })
    else {
      const same = Object.keys(headers).find((k) => k.toLowerCase() === line.name.toLowerCase())
      if (same !== undefined)
        problems.push({
          field: 'headers',
          message: `${at}: ${line.name} is given twice${same === 'Referer' && referer !== '' ? ' (also in the Referer field)' : ''}`,
        })
      else headers[line.name] = line.value
    }
  })
  const user = input.user
  const password = input.password
  if (password !== '' && user.trim() === '')
    problems.push({ field: 'user', message: 'User name is needed with a password' })
  if (/[\r\n\0]/.test(user) || /[\r\n\0]/.test(password))
    problems.push({ field: 'user', message: 'User name and password cannot hold line breaks' })
  if (problems.length > 0) return { ok: false, problems }

  const hasHeaders = Object.keys(headers).length > 0
  return {
    ok: true,
    apply: (request) => ({
      ...request,
      ...(user !== '' ? { url: withCredentials(request.url, user, password) } : {}),
      ...(name !== '' ? { name } : {}),
      ...(checksum !== null ? { checksum } : {}),
      ...(hasHeaders ? { headers: { ...request.headers, ...headers } } : {}),
    }),
  }
}

/**
 * The URL with `user:password@` (each percent-encoded whole, so a `%` or `:` in them reaches
 * the server as typed: the engine decodes them for the Basic header).
 */
export function withCredentials(url: string, user: string, password: string): string {
  const parsed = new URL(url)
  parsed.username = encodeURIComponent(user)
  parsed.password = encodeURIComponent(password)
  return parsed.href
}
