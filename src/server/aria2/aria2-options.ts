import type {
  AddRequest,
  Checksum,
  ChecksumAlgorithm,
  DownloadSnapshot,
  Settings,
} from '../../shared/protocol/model.ts'
import { methodError } from './aria2-error.ts'
import { MAX_CONCURRENT_DOWNLOADS } from '../../shared/protocol/schemas.ts'

/**
 * aria2's options (`--name=value`, strings on the wire) mapped onto Downpour's add requests and
 * settings. Unknown names and non-string values are ignored, as aria2 does; a value Downpour
 * cannot take gets aria2's message naming the option.
 */

export function optionError(name: string): Error {
  return methodError(`We encountered a problem while processing the option '--${name}'.`)
}

/**
 * aria2's size syntax: an integer with an optional K or M suffix (1K = 1024, 1M = 1024K), as
 * in `max-download-limit=100K`. Returns null when `text` is not one.
 */
export function parseAria2Size(text: string): number | null {
  const m = /^\s*(\d+)\s*([kKmM]?)\s*$/.exec(text)
  if (!m) return null
  const unit = m[2] === '' ? 1 : /k/i.test(m[2]!) ? 1024 : 1024 * 1024
  const value = Number(m[1]) * unit
  return Number.isSafeInteger(value) ? value : null
}

function sizeIn(options: Record<string, unknown>, name: string, min: number, max: number) {
  const text = options[name]
  if (typeof text !== 'string') return undefined
  const value = parseAria2Size(text)
  if (value === null || value < min || value > max) throw optionError(name)
  return value
}

function stringIn(options: Record<string, unknown>, name: string): string | undefined {
  const value = options[name]
  return typeof value === 'string' ? value : undefined
}

const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*([^\r\n\0]*)$/

/** `header` may be one string or an array of them, each `Name: value`. */
function headersIn(options: Record<string, unknown>): Record<string, string> {
  const raw = options['header']
  const lines = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : []
  const headers: Record<string, string> = {}
  for (const line of lines) {
    if (typeof line !== 'string') continue
    const m = HEADER_LINE.exec(line.trim())
    if (!m) throw optionError('header')
    headers[m[1]!] = m[2]!.trim()
  }
  return headers
}

const CHECKSUM_ALGORITHMS: Record<string, ChecksumAlgorithm> = {
  'sha-256': 'sha-256',
  'sha-1': 'sha-1',
  md5: 'md5',
}

function booleanIn(options: Record<string, unknown>, name: string): boolean | undefined {
  const text = stringIn(options, name)
  if (text === undefined) return undefined
  if (text !== 'true' && text !== 'false') throw optionError(name)
  return text === 'true'
}

/** The connection count aria2 would use: `split`, capped by `max-connection-per-server`. */
function connectionsIn(options: Record<string, unknown>): number | undefined {
  const split = sizeIn(options, 'split', 1, Number.MAX_SAFE_INTEGER)
  const perServer = sizeIn(options, 'max-connection-per-server', 1, Number.MAX_SAFE_INTEGER)
  const given = [split, perServer].filter((n): n is number => n !== undefined)
  // Downpour's ceiling is 32 connections per download (aria2's is 16 per server).
  return given.length ? Math.min(32, ...given) : undefined
}

/** aria2's `checksum=algo=hex` option. */
function checksumIn(options: Record<string, unknown>): Checksum | undefined {
  const checksum = stringIn(options, 'checksum')
  if (checksum === undefined) return undefined
  const m = /^([a-z0-9-]+)=([0-9a-fA-F]+)$/.exec(checksum)
  const algorithm = m ? CHECKSUM_ALGORITHMS[m[1]!] : undefined
  if (!m || !algorithm) throw optionError('checksum')
  return { algorithm, hex: m[2]!.toLowerCase() }
}

/** Turns `addUri`'s options into the fields of an add request (URL aside). */
export function addRequestFields(
  options: Record<string, unknown>,
  url: string,
): Omit<AddRequest, 'url'> {
  const request: Omit<AddRequest, 'url'> = {}
  const dir = stringIn(options, 'dir')
  if (dir !== undefined) {
    if (dir === '') throw optionError('dir')
    request.dir = dir
  }
  const out = stringIn(options, 'out')
  if (out !== undefined && out !== '') request.name = out
  const headers = headersIn(options)
  const referer = stringIn(options, 'referer')
  if (referer !== undefined) {
    if (/[\r\n\0]/.test(referer)) throw optionError('referer')
    // aria2: `*` means "the URI itself".
    headers['Referer'] = referer === '*' ? url : referer
  }
  const userAgent = stringIn(options, 'user-agent')
  if (userAgent !== undefined) {
    if (/[\r\n\0]/.test(userAgent)) throw optionError('user-agent')
    headers['User-Agent'] = userAgent
  }
  if (Object.keys(headers).length) request.headers = headers
  const connections = connectionsIn(options)
  if (connections !== undefined) request.maxConnections = connections
  const limit = sizeIn(options, 'max-download-limit', 0, Number.MAX_SAFE_INTEGER)
  if (limit !== undefined) request.speedLimit = limit
  const tries = sizeIn(options, 'max-tries', 0, Number.MAX_SAFE_INTEGER)
  if (tries !== undefined) request.maxTries = tries
  const checksum = checksumIn(options)
  if (checksum !== undefined) request.checksum = checksum
  const pause = booleanIn(options, 'pause')
  if (pause) request.paused = true
  return request
}

/** What `changeOption` may change on one download, as the engine's per-download fields. */
export type DownloadOptionsPatch = {
  speedLimit?: number
  maxConnections?: number
  maxTries?: number
  name?: string
  checksum?: Checksum
}

/**
 * Options aria2 applies to a waiting download that Downpour cannot change after the add, each
 * with the reason `changeOption` gives instead of a silent "OK" (unknown options are ignored,
 * as aria2 ignores them).
 */
const FIXED_AFTER_ADD: Record<string, string> = {
  header:
    'Downpour sets a download’s headers when it is added: remove it and add it again with the new headers',
  referer:
    'Downpour sets a download’s referer when it is added: remove it and add it again with the new referer',
}

export function downloadOptionsPatch(options: Record<string, unknown>): DownloadOptionsPatch {
  const patch: DownloadOptionsPatch = {}
  const limit = sizeIn(options, 'max-download-limit', 0, Number.MAX_SAFE_INTEGER)
  if (limit !== undefined) patch.speedLimit = limit
  const connections = connectionsIn(options)
  if (connections !== undefined) patch.maxConnections = connections
  const tries = sizeIn(options, 'max-tries', 0, Number.MAX_SAFE_INTEGER)
  if (tries !== undefined) patch.maxTries = tries
  const out = stringIn(options, 'out')
  if (out !== undefined && out !== '') patch.name = out
  const checksum = checksumIn(options)
  if (checksum !== undefined) patch.checksum = checksum
  for (const [name, reason] of Object.entries(FIXED_AFTER_ADD)) {
    if (options[name] !== undefined) throw methodError(reason)
  }
  return patch
}

/**
 * `dir` given to `changeOption`: the engine's `changeFolder` (a folder that exists; partial data
 * in a folder that is still there is refused, never moved). Empty is refused as at `addUri`.
 */
export function downloadDirIn(options: Record<string, unknown>): string | undefined {
  const dir = stringIn(options, 'dir')
  if (dir === '') throw optionError('dir')
  return dir
}

/** One global option: how it reads from settings and how a string value becomes a patch. */
type GlobalOption = {
  read(s: Settings): string
  write(value: string, name: string): Partial<Settings>
}

function sized(key: keyof Settings, min: number, max: number, unit = 1): GlobalOption {
  return {
    read: (s) => String(Math.floor((s[key] as number) / unit)),
    write(value, name) {
      const n = parseAria2Size(value)
      if (n === null || n < min || n > max) throw optionError(name)
      return { [key]: n * unit }
    },
  }
}

/** The global options Downpour has an equivalent for. */
const GLOBAL_OPTIONS: Record<string, GlobalOption> = {
  dir: {
    read: (s) => s.defaultDir,
    write(value, name) {
      if (value === '') throw optionError(name)
      return { defaultDir: value }
    },
  },
  'max-concurrent-downloads': sized('maxConcurrentDownloads', 1, MAX_CONCURRENT_DOWNLOADS),
  'max-connection-per-server': sized('maxConnectionsPerDownload', 1, 32),
  split: sized('maxConnectionsPerDownload', 1, 32),
  'min-split-size': sized('minSplitSize', 64 * 1024, Number.MAX_SAFE_INTEGER),
  'max-tries': sized('maxTries', 0, Number.MAX_SAFE_INTEGER),
  'retry-wait': sized('retryWaitMs', 0, 600, 1000),
  timeout: sized('timeoutMs', 1, 600, 1000),
  'connect-timeout': sized('timeoutMs', 1, 600, 1000),
  'lowest-speed-limit': sized('lowestSpeedLimit', 0, Number.MAX_SAFE_INTEGER),
  'max-overall-download-limit': sized('maxOverallDownloadLimit', 0, Number.MAX_SAFE_INTEGER),
  'user-agent': {
    read: (s) => s.userAgent,
    write(value, name) {
      if (value === '' || /[\r\n\0]/.test(value)) throw optionError(name)
      return { userAgent: value }
    },
  },
  header: {
    read: (s) =>
      Object.entries(s.headers)
        .map(([name, value]) => `${name}: ${value}\n`)
        .join(''),
    write(value) {
      // aria2 takes the list as lines; an empty value clears it.
      return { headers: headersIn({ header: value.split('\n').filter((l) => l.trim() !== '') }) }
    },
  },
  'all-proxy': {
    read: (s) => s.proxy ?? '',
    write(value, name) {
      if (value === '') return { proxy: null }
      if (!URL.canParse(value)) throw optionError(name)
      return { proxy: value }
    },
  },
}

/**
 * Options whose value is a fact of how Downpour works, reported so clients show them right
 * (AriaNg's settings page left them blank) and refused, saying so, when asked to change.
 */
const FIXED_OPTIONS: Record<string, string> = {
  continue: 'true',
  'always-resume': 'true',
  'allow-overwrite': 'false',
  'auto-file-renaming': 'true',
  'check-integrity': 'false',
  'conditional-get': 'false',
  'enable-http-keep-alive': 'true',
  'enable-http-pipelining': 'false',
  // No space is reserved before the bytes arrive; the .part grows as they are written.
  'file-allocation': 'none',
  'http-accept-gzip': 'false',
  'max-overall-upload-limit': '0',
  'max-upload-limit': '0',
  // The piece size `numPieces` and `bitfield` are counted in (aria2-status.ts).
  'piece-length': '1048576',
  'remote-time': 'false',
  'use-head': 'false',
}

export function globalOptions(settings: Settings): Record<string, string> {
  const out: Record<string, string> = { ...FIXED_OPTIONS }
  for (const [name, option] of Object.entries(GLOBAL_OPTIONS)) {
    // An option not set (no global header, no proxy) is left out, as aria2c leaves it out.
    const value = option.read(settings)
    if (value !== '') out[name] = value
  }
  return out
}

/** Options aria2 has only globally: its `getOption` of a download does not list them. */
const GLOBAL_ONLY = new Set([
  'max-concurrent-downloads',
  'max-overall-download-limit',
  'max-overall-upload-limit',
])

/** A settings patch from `changeGlobalOption`'s options (unknown names ignored). */
export function settingsPatch(options: Record<string, unknown>): Partial<Settings> {
  let patch: Partial<Settings> = {}
  for (const [name, value] of Object.entries(options)) {
    const fixed = FIXED_OPTIONS[name]
    if (fixed !== undefined && typeof value === 'string' && value !== fixed)
      throw methodError(`Downpour cannot change --${name}: it is always ${fixed} here.`)
    const option = GLOBAL_OPTIONS[name]
    if (!option || typeof value !== 'string') continue
    patch = { ...patch, ...option.write(value, name) }
  }
  return patch
}

/** Headers the engine adds to every request (src/engine/transfer/request-headers.ts). */
const ENGINE_DEFAULT_HEADERS: Record<string, string> = {
  'accept-encoding': 'identity',
  accept: '*/*',
}

/**
 * `getOption` for one download: the global options with the download's own on top.
 * `requestHeaders`: the headers it sends (from its details, secrets redacted), for aria2's
 * `referer` and `header` (one `Name: value` line each, as aria2 writes that list).
 */
export function downloadOptions(
  d: DownloadSnapshot,
  settings: Settings,
  requestHeaders: Record<string, string> = {},
): Record<string, string> {
  const connections = String(d.maxConnections ?? settings.maxConnectionsPerDownload)
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(globalOptions(settings)))
    if (!GLOBAL_ONLY.has(name)) out[name] = value
  Object.assign(out, {
    dir: d.dir,
    'max-download-limit': String(d.speedLimit),
    'max-tries': String(d.maxTries),
    split: connections,
    'max-connection-per-server': connections,
  })
  if (d.name) out['out'] = d.name
  if (d.checksum) out['checksum'] = `${d.checksum.algorithm}=${d.checksum.hex}`
  // The download's own headers: not those every request carries (the engine's defaults and
  // the global `header` setting), nor those with options of their own (referer, user-agent).
  const global = new Set(Object.keys(settings.headers).map((name) => name.toLowerCase()))
  let header = ''
  for (const [name, value] of Object.entries(requestHeaders)) {
    if (name === 'referer') out['referer'] = value
    else if (name === 'user-agent' || global.has(name) || ENGINE_DEFAULT_HEADERS[name] === value)
      continue
    else header += `${name}: ${value}\n`
  }
  if (header) out['header'] = header
  return out
}
