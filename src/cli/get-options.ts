import { readFile } from 'node:fs/promises'
import { defaultSettings } from '../engine/engine.ts'
import type { TlsOptions } from '../engine/transfer/http-dispatcher.ts'
import type { Settings } from '../shared/protocol/model.ts'

/*
 * `downpour get`'s options, resolved: the combinations refused before anything starts, the
 * engine settings they make, and the TLS options read from the files they name.
 */

export type GetOptions = {
  /** Every `-i` given, in order. */
  inputFile: string[]
  dir: string
  /** aria2's `--save-session FILE`: what did not complete, written on exit (session-file.ts). */
  saveSession?: string
  out?: string
  continue?: boolean
  allowOverwrite?: boolean
  /** False with `--no-auto-file-renaming` (aria2: `--auto-file-renaming=false`). */
  autoFileRenaming?: boolean
  maxConcurrentDownloads: number
  maxConnectionsPerDownload?: number
  /** aria2's `-s/--split`: connections of one download in total (see connectionCap). */
  split?: number
  minSplitSize?: number
  maxTries: number
  retryWait: number
  timeout: number
  lowestSpeedLimit?: number
  maxOverallDownloadLimit?: number
  maxDownloadLimit?: number
  checksum?: string
  header: string[]
  userAgent?: string
  allProxy?: string
  json?: boolean
  quiet?: boolean
  /** Origin marks on the files (wget's and curl's `--xattr`; off by default, as theirs). */
  xattr?: boolean
  stateDir?: string
  referer?: string
  httpUser?: string
  httpPasswd?: string
  netrc?: boolean
  netrcPath?: string
  loadCookies?: string
  caCertificate?: string
  /** False with `--no-check-certificate` (aria2: `--check-certificate=false`). */
  checkCertificate?: boolean
}

/** Why this combination of `-o -` with other options cannot run (said as a usage error), or null. */
export function stdoutProblem(urls: readonly string[], options: GetOptions): string | null {
  if (options.out !== '-') return null
  if (urls.length !== 1 || options.inputFile.length > 0)
    return '-o - (write to stdout) needs exactly one URL argument (and no -i)'
  if (options.saveSession !== undefined)
    return '--save-session keeps no session for -o - (write to stdout)'
  if (options.json) return '--json and -o - both write to stdout: use one of them'
  return null
}

/**
 * The engine's settings for a run into `dir`. Every setting is given, defaults included: the
 * queue file keeps settings between runs, and a flag left out this time must mean its default,
 * not whatever an earlier run used.
 */
export function runSettings(options: GetOptions, dir: string): Settings {
  return defaultSettings({
    defaultDir: dir,
    maxConcurrentDownloads: options.maxConcurrentDownloads,
    // `-j 16` means 16 at once even when every URL is on one host, and `-x 16` means 16
    // connections (as in aria2): the per-host cap grows to what was asked for.
    maxConnectionsPerHost: Math.max(
      defaultSettings().maxConnectionsPerHost,
      options.maxConcurrentDownloads,
      options.maxConnectionsPerDownload ?? 0,
    ),
    maxTries: options.maxTries,
    retryWaitMs: Math.round(options.retryWait * 1000),
    timeoutMs: Math.max(100, Math.round(options.timeout * 1000)),
    lowestSpeedLimit: options.lowestSpeedLimit ?? 0,
    maxOverallDownloadLimit: options.maxOverallDownloadLimit ?? 0,
    proxy: options.allProxy ?? null,
    ...(options.maxConnectionsPerDownload
      ? { maxConnectionsPerDownload: options.maxConnectionsPerDownload }
      : {}),
    ...(options.minSplitSize ? { minSplitSize: options.minSplitSize } : {}),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  })
}

/**
 * aria2's `-s N` and `-x M`: a download uses at most N connections in all and M per server. A
 * Downpour download's connections, to its URL and its mirrors alike, count against one cap (its
 * URL's host), so both cap the same number and the smaller wins; `-s` alone caps the default.
 */
export function connectionCap(options: GetOptions): GetOptions {
  if (options.split === undefined) return options
  const perServer = options.maxConnectionsPerDownload ?? defaultSettings().maxConnectionsPerDownload
  return { ...options, maxConnectionsPerDownload: Math.min(perServer, options.split) }
}

/** `--ca-certificate` read and checked, `--check-certificate=false`; the reason it cannot be used. */
export async function tlsOptions(
  options: GetOptions,
): Promise<{ tls: TlsOptions | null } | { problem: string }> {
  const verify = options.checkCertificate !== false
  if (options.caCertificate === undefined) return { tls: verify ? null : { ca: null, verify } }
  const ca = await readFile(options.caCertificate, 'utf8').catch((error: Error) => error)
  if (typeof ca !== 'string')
    return { problem: `cannot read the CA certificate ${options.caCertificate}: ${ca.message}` }
  if (!ca.includes('-----BEGIN CERTIFICATE-----'))
    return { problem: `--ca-certificate ${options.caCertificate} holds no PEM certificate` }
  return { tls: { ca, verify } }
}
