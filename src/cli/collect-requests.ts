import type { AddRequest, IfExists } from '../shared/protocol/model.ts'
import { normalizeUrlKey, parseDownloadUrl } from '../shared/protocol/url.ts'
import { checksumSpecProblem, parseChecksumSpec } from '../shared/list/checksum-spec.ts'
import { decodeListBytes } from '../shared/list/decode-list-bytes.ts'
import { fileNameProblem } from '../shared/list/file-name-check.ts'
import { parseHeaderLine } from '../shared/list/header-line.ts'
import { fromAria2InputFile, type Aria2InputReading } from './aria2-input.ts'
import { inputBlocks, type EntrySource } from './session-file.ts'
import { UrlListReader } from '../shared/list/parse-url-list.ts'
import { readListSource } from './read-list-source.ts'

/** The flags that say what to download. */
export type RequestFlags = {
  inputFile: string[]
  out?: string
  checksum?: string
  header: string[]
  userAgent?: string
  maxDownloadLimit?: number
  /** `-c/--continue`, `--allow-overwrite`, `--no-auto-file-renaming` (see ifExistsOf). */
  continue?: boolean
  allowOverwrite?: boolean
  autoFileRenaming?: boolean
  /** Headers each URL gets from the credential flags (request-credentials.ts). */
  headersFor?: (url: URL) => Record<string, string>
  /** Keep each list entry's lines as read (`--save-session` writes them back). */
  keepInputLines?: boolean
}

/**
 * What a download does with a file already at its name, from aria2's flags: `-c` continues a
 * partial one, `--allow-overwrite` replaces it, `--auto-file-renaming=false` makes it an error.
 * By default a file of the server's size (and checksum, when given) is taken as the download,
 * complete (a rerun of a list skips what is done: the queue of a finished run is gone), and any
 * other is kept and the download saved beside it as `name (1)`, saying so.
 */
export function ifExistsOf(flags: RequestFlags): IfExists {
  if (flags.continue) return 'continue'
  if (flags.allowOverwrite) return 'overwrite'
  if (flags.autoFileRenaming === false) return 'fail'
  return 'done-if-same-size'
}

/**
 * What a run will add, and what it refused. Lists are parsed a piece at a time (`readMore`), so
 * the first downloads of a 100,000-line list start before the rest is parsed and each piece is
 * garbage once added; `problems` and `merged` grow as pieces are read.
 */
/** A line or argument and what was wrong with it; printed as `${input}: ${message}`. */
export type InputNote = { input: string; message: string }

export type Usage = {
  /** Requests read and not yet taken (the caller takes them off as it adds them). */
  requests: AddRequest[]
  /** Where each request came from (`list.txt:3`, or the URL argument), for messages. */
  labels: string[]
  /** Refused lines and arguments: printed (or `input/rejected` events), counted as rejected. */
  problems: InputNote[]
  /** URLs given more than once and merged into their first occurrence. */
  merged: InputNote[]
  /** What of a line was not applied though the line was downloaded (aria2's options). */
  notes: InputNote[]
  /**
   * Where list entries came from, by URL key (`normalizeUrlKey`): entries with mirrors, and
   * with `keepInputLines` every entry of a list (their lines, for `--save-session`).
   */
  sources: Map<string, EntrySource>
  /** Bad usage: nothing is downloaded, exit 2. */
  fatal: string | null
  /** Reads at least `max` more requests (fewer at the end); false once every list is read. */
  readMore(max: number): boolean
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
  /** Requests read before returning (at least one, unless nothing is valid). */
  firstRead = Infinity,
): Promise<Usage> {
  const lists: {
    label: string
    reader: UrlListReader
    aria2: Aria2InputReading
    blocks: Map<number, string> | null
  }[] = []
  const usage: Usage = {
    requests: [],
    labels: [],
    problems: [],
    merged: [],
    notes: [],
    sources: new Map(),
    fatal: null,
    readMore: (max) => readMore(max),
  }
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

  const ifExists = ifExistsOf(flags)
  const common = (request: AddRequest): AddRequest => {
    const own = flags.headersFor?.(new URL(request.url))
    // The list's `header=` lines win over --header, which wins over credentials flags.
    const all = { ...own, ...headers, ...request.headers }
    return {
      ...request,
      // An input file's `dir=` (inside -d: aria2-input.ts) wins.
      dir: request.dir ?? dir,
      ifExists,
      ...(Object.keys(all).length ? { headers: all } : {}),
      ...(flags.maxDownloadLimit ? { speedLimit: flags.maxDownloadLimit } : {}),
    }
  }
  // Duplicates within one list are merged by its reader; across sources (arguments and several
  // lists) by this map, needed only when there are several (100,000 keys are ~10 MB).
  let firstLabel: Map<string, string> | null = null
  const add = (request: AddRequest, label: string) => {
    if (firstLabel) {
      const key = normalizeUrlKey(parseDownloadUrl(request.url))
      const first = firstLabel.get(key)
      if (first !== undefined) {
        usage.merged.push({ input: label, message: `same URL as ${first}; merged` })
        return
      }
      firstLabel.set(key, label)
    }
    usage.requests.push(common(request))
    usage.labels.push(label)
  }
  let given = urls.length
  const readMore = (max: number): boolean => {
    const target = usage.requests.length + max
    while (lists.length > 0 && usage.requests.length < target) {
      const { label, reader, aria2, blocks } = lists[0]!
      const piece = reader.read(target - usage.requests.length)
      given += piece.entries.length + piece.duplicates.length + piece.problems.length
      for (const p of piece.problems)
        usage.problems.push({ input: `${label}:${p.line}`, message: p.message })
      for (const d of piece.duplicates)
        usage.merged.push({
          input: `${label}:${d.line}`,
          message: `same URL as line ${d.firstLine}; merged${d.optionsIgnored ? ' (its options are ignored)' : ''}`,
        })
      for (const entry of piece.entries) {
        const input = `${label}:${entry.line}`
        const refusal = aria2.refused.get(entry.line)
        if (refusal !== undefined) {
          usage.problems.push({ input, message: refusal })
          continue
        }
        const mirrors = aria2.mirrors.get(entry.line)
        if (mirrors || blocks) {
          const key = normalizeUrlKey(parseDownloadUrl(entry.request.url))
          const block = blocks?.get(entry.line) ?? null
          if (!usage.sources.has(key))
            usage.sources.set(key, { urls: mirrors ?? [entry.request.url], block })
        }
        const own = aria2.dirs.get(entry.line)
        // A TAB-separated line: one file, its first URL with the others as mirrors (a
        // `mirror=` line below it adds to them).
        const request =
          mirrors && mirrors.length > 1
            ? { ...entry.request, mirrors: [...mirrors.slice(1), ...(entry.request.mirrors ?? [])] }
            : entry.request
        add(own === undefined ? request : { ...request, dir: own }, input)
      }
      if (piece.done) lists.shift()
    }
    return lists.length > 0
  }

  if (urls.length + flags.inputFile.length > 1) firstLabel = new Map()
  urls.forEach((url, i) => {
    try {
      parseDownloadUrl(url)
      add({ url }, url)
    } catch (error) {
      usage.problems.push({ input: `argument ${i + 1}`, message: (error as Error).message })
    }
  })
  // Every list is read and decoded first (an unreadable one is bad usage before anything
  // starts); parsing is what is done a piece at a time.
  for (const path of flags.inputFile) {
    const source = await readListSource(path)
    const decoded = source.ok ? decodeListBytes(source.bytes) : source
    if (!decoded.ok) return fatal(`cannot read input file ${path}: ${decoded.problem}`)
    const label = path === '-' ? 'stdin' : path
    // aria2's input-file habits (mirrors, gid=, referer=, dir=) rewritten line for line.
    // Note: a URL merged into an earlier one (same key) keeps the earlier one's source.
    const aria2 = fromAria2InputFile(decoded.text, dir)
    for (const note of aria2.notes)
      usage.notes.push({ input: `${label}:${note.line}`, message: note.message })
    lists.push({
      label,
      reader: new UrlListReader(aria2.text, { invalidLines: decoded.invalidLines }),
      aria2,
      blocks: flags.keepInputLines ? inputBlocks(decoded.text) : null,
    })
  }
  // -o and --checksum name one file: the whole input is read to know there is only one.
  const whole = flags.out !== undefined || checksum !== undefined
  readMore(whole ? Infinity : Math.max(1, firstRead))

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
