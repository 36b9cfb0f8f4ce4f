import type { AddRequest } from '../shared/protocol/model.ts'
import { normalizeUrlKey, parseDownloadUrl } from '../shared/protocol/url.ts'
import { checksumSpecProblem, parseChecksumSpec } from '../shared/list/checksum-spec.ts'
import { decodeListBytes } from '../shared/list/decode-list-bytes.ts'
import { fileNameProblem } from '../shared/list/file-name-check.ts'
import { parseHeaderLine } from '../shared/list/header-line.ts'
import { parseUrlList } from '../shared/list/parse-url-list.ts'
import { readListSource } from './read-list-source.ts'

/** The flags that say what to download. */
export type RequestFlags = {
  inputFile: string[]
  out?: string
  checksum?: string
  header: string[]
  userAgent?: string
  maxDownloadLimit?: number
}

/** What a run will add, and what it refused before starting. */
export type Usage = {
  requests: AddRequest[]
  /** Where each request came from (`list.txt:3`, or the URL argument), for messages. */
  labels: string[]
  /** Refused lines and arguments, each one message: printed, and counted as rejected. */
  problems: string[]
  /** URLs given more than once and merged into their first occurrence. */
  merged: string[]
  /** Bad usage: nothing is downloaded, exit 2. */
  fatal: string | null
}

/**
 * Reads the URL arguments and every `-i` list into add requests. Flags that are wrong whatever
 * the list holds (a path as `-o`, a bad header or checksum) are fatal before anything is read;
 * lists are read with the shared parser (src/shared/list), so the window reads the same list the
 * same way.
 */
export async function collectRequests(
  urls: string[],
  flags: RequestFlags,
  dir: string,
): Promise<Usage> {
  const usage: Usage = { requests: [], labels: [], problems: [], merged: [], fatal: null }
  const fatal = (message: string): Usage => ({ ...usage, fatal: message })

  const headers: Record<string, string> = {}
  for (const text of flags.header) {
    const header = parseHeaderLine(text)
    if (!header.ok) return fatal(`--header ${header.problem}, got ${JSON.stringify(text)}`)
    headers[header.name] = header.value
  }
  if (flags.userAgent !== undefined) {
    const header = parseHeaderLine(`User-Agent: ${flags.userAgent}`)
    if (!header.ok) return fatal(`--user-agent ${header.problem}`)
  }
  const checksum = flags.checksum === undefined ? undefined : parseChecksumSpec(flags.checksum)
  if (checksum === null) return fatal(`--checksum ${checksumSpecProblem(flags.checksum!)}`)
  if (flags.out !== undefined) {
    const problem = fileNameProblem(flags.out)
    if (problem) return fatal(`-o/--out ${problem}, got ${JSON.stringify(flags.out)}`)
  }
  if (new Set(flags.inputFile).size !== flags.inputFile.length)
    return fatal('the same input file is given twice with -i')

  const common = (request: AddRequest): AddRequest => ({
    ...request,
    dir,
    ...(Object.keys(headers).length ? { headers: { ...headers, ...request.headers } } : {}),
    ...(flags.maxDownloadLimit ? { speedLimit: flags.maxDownloadLimit } : {}),
  })
  const firstLabel = new Map<string, string>()
  const add = (request: AddRequest, label: string) => {
    const key = normalizeUrlKey(parseDownloadUrl(request.url))
    const first = firstLabel.get(key)
    if (first !== undefined) {
      usage.merged.push(`${label}: same URL as ${first}; merged`)
      return
    }
    firstLabel.set(key, label)
    usage.requests.push(common(request))
    usage.labels.push(label)
  }

  // How many URLs were given, refused ones included: -o and --checksum name one file.
  let given = urls.length
  urls.forEach((url, i) => {
    try {
      parseDownloadUrl(url)
      add({ url }, url)
    } catch (error) {
      usage.problems.push(`argument ${i + 1}: ${(error as Error).message}`)
    }
  })
  for (const path of flags.inputFile) {
    const source = await readListSource(path)
    const decoded = source.ok ? decodeListBytes(source.bytes) : source
    if (!decoded.ok) return fatal(`cannot read input file ${path}: ${decoded.problem}`)
    const label = path === '-' ? 'stdin' : path
    const list = parseUrlList(decoded.text, { invalidLines: decoded.invalidLines })
    given += list.entries.length + list.duplicates.length + list.problems.length
    for (const p of list.problems) usage.problems.push(`${label}:${p.line}: ${p.message}`)
    for (const d of list.duplicates)
      usage.merged.push(
        `${label}:${d.line}: same URL as line ${d.firstLine}; merged${d.optionsIgnored ? ' (its options are ignored)' : ''}`,
      )
    for (const entry of list.entries) add(entry.request, `${label}:${entry.line}`)
  }

  const one = usage.requests.length === 1 && given === 1
  if (flags.out !== undefined) {
    if (!one) return fatal('-o/--out needs exactly one URL')
    usage.requests[0]!.name = flags.out
  }
  if (checksum) {
    if (!one)
      return fatal('--checksum needs exactly one URL (in a list, write checksum= under each URL)')
    usage.requests[0]!.checksum = checksum
  }
  return usage
}
