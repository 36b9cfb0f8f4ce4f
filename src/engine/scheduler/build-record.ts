import { randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import * as v from 'valibot'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import type { AddRequest, DownloadUpdate } from '../../shared/protocol/model.ts'
import {
  addRequestSchema,
  describeIssues,
  downloadUpdateSchema,
} from '../../shared/protocol/schemas.ts'
import { parseDownloadUrl } from '../../shared/protocol/url.ts'
import { nameFromUrl } from '../naming/suggest-file-name.ts'
import { sanitizeFileName, sanitizeNameReport } from '../naming/sanitize-file-name.ts'
import { newRecord, NO_HEADERS, type DownloadRecord } from '../model/download-record.ts'
import { duplicateKey, type DuplicateKey } from '../model/duplicate-key.ts'
import { checkMirrors } from '../model/mirror-urls.ts'

/**
 * Validates one add request and builds its record, or throws a DownpourError that names what
 * is wrong (bad URL, unsupported scheme, a path where a file name belongs, …).
 */
export function buildRecord(input: unknown, defaultDir: string, now = Date.now()): DownloadRecord {
  return finishRecord(prepareRecord(input, defaultDir), now)
}

/** An add request validated, with its duplicate key: enough to refuse a duplicate cheaply. */
export type PreparedRequest = {
  request: AddRequest
  url: URL
  dir: string
  requestedName: string | null
  key: DuplicateKey
  /** Its mirrors, checked (`checkMirrors`). */
  mirrors: string[]
}

/** The first half of `buildRecord`: validation and the duplicate key (throws like it). */
export function prepareRecord(input: unknown, defaultDir: string): PreparedRequest {
  const parsed = v.safeParse(addRequestSchema, input)
  if (!parsed.success)
    throw new DownpourError(ERROR_CODES.invalidArgument, describeIssues(parsed.issues))
  const request: AddRequest = parsed.output
  const url = parseDownloadUrl(request.url)
  // The same folder string for every request with the same folder (100,000 copies add up).
  const dir = request.dir === undefined ? resolveCached(defaultDir) : resolveCached(request.dir)
  const requestedName = request.name !== undefined ? fileNameOf(request.name) : null
  const mirrors = checkMirrors(url, request.mirrors)
  const key = duplicateKey(url, dir, requestedName)
  return { request, url, dir, requestedName, key, mirrors }
}

let lastDir: { input: string; resolved: string } | null = null
function resolveCached(input: string): string {
  if (lastDir?.input !== input) lastDir = { input, resolved: resolve(input) }
  return lastDir.resolved
}

/** The second half: the record of a request that is not a duplicate. */
export function finishRecord(prepared: PreparedRequest, now = Date.now()): DownloadRecord {
  const { request, url, dir, requestedName, mirrors } = prepared
  const guessed = requestedName ?? sanitizeFileName(nameFromUrl(url) ?? '')
  const state = request.paused ? 'paused' : 'queued'
  return {
    ...newRecord(flat(randomUUID()), flat(url.href), dir, guessed, state, now),
    requestedName,
    maxTries: request.maxTries ?? null,
    checksum: request.checksum
      ? { ...request.checksum, hex: request.checksum.hex.toLowerCase() }
      : null,
    headers: request.headers ?? NO_HEADERS,
    mirrors,
    speedLimit: request.speedLimit ?? 0,
    maxConnections: request.maxConnections ?? null,
    ifExists: request.ifExists ?? 'rename',
  }
}

/**
 * A copy of `text` as one flat string. `randomUUID()` builds its result from ~20 pieces
 * (`a + b + …`): kept as such, each id held ~480 bytes of string pieces, and the URL and key
 * ~100–180 more each; flat, the three are ~200 bytes together (100,000 records: ~70 MB less).
 */
export function flat(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8')
}

/**
 * A requested name: one path component, sanitized; a path is refused, not cut down. So is a
 * shell-integrated extension (`.lnk`, `.url`, `.scf`, `.local`, a CLSID): a server's name with
 * one is renamed to `.download` (nobody is there to ask), but a requested name comes from a
 * person or a client that can be told, and saving it under another name than asked would
 * surprise them. The engine cannot tell a typed name from an RPC client's `out`, which often
 * carries a server's name: both are refused.
 */
function fileNameOf(name: string): string {
  if (/[/\\]/.test(name) || name === '.' || name === '..') {
    throw new DownpourError(
      ERROR_CODES.invalidArgument,
      `name must be a file name, not a path: ${name}`,
    )
  }
  const sanitized = sanitizeNameReport(name)
  if (sanitized.shellExtension !== null) {
    throw new DownpourError(
      ERROR_CODES.invalidArgument,
      `name must not end in .${sanitized.shellExtension}: Windows runs or follows such files ` +
        `by itself (shortcuts, shell commands, CLSIDs); choose another name: ${name}`,
    )
  }
  return sanitized.name
}

type Updatable = Pick<
  DownloadRecord,
  | 'requestedName'
  | 'name'
  | 'checksum'
  | 'headers'
  | 'maxTries'
  | 'maxConnections'
  | 'speedLimit'
  | 'ifExists'
  | 'mirrors'
>

/**
 * Validates one `update` change against its record and returns the fields it sets (the record
 * is untouched; the caller checks the new duplicate key first). A name can change only while no
 * file has that download's name on disk yet.
 */
export function applyUpdate(record: DownloadRecord, input: unknown): Updatable {
  const parsed = v.safeParse(downloadUpdateSchema, input)
  if (!parsed.success)
    throw new DownpourError(ERROR_CODES.invalidArgument, describeIssues(parsed.issues))
  const change: DownloadUpdate = parsed.output
  const next: Updatable = {
    requestedName: record.requestedName,
    name: record.name,
    checksum: record.checksum,
    headers: record.headers,
    maxTries: record.maxTries,
    maxConnections: record.maxConnections,
    speedLimit: record.speedLimit,
    ifExists: record.ifExists,
    mirrors: record.mirrors,
  }
  if (change.name !== undefined) {
    const name = fileNameOf(change.name)
    if (record.nameChosen && name !== record.name) {
      throw new DownpourError(
        ERROR_CODES.invalidArgument,
        `"${record.name}" already has its name on disk; it cannot be renamed to "${name}"`,
      )
    }
    if (!record.nameChosen && name !== record.requestedName) {
      next.requestedName = name
      next.name = name
    }
  }
  if (change.checksum !== undefined)
    next.checksum = change.checksum && {
      ...change.checksum,
      hex: change.checksum.hex.toLowerCase(),
    }
  if (change.headers !== undefined) next.headers = change.headers
  if (change.maxTries !== undefined) next.maxTries = change.maxTries
  if (change.maxConnections !== undefined) next.maxConnections = change.maxConnections
  if (change.speedLimit !== undefined) next.speedLimit = change.speedLimit
  if (change.ifExists !== undefined) next.ifExists = change.ifExists
  if (change.mirrors !== undefined) next.mirrors = checkMirrors(new URL(record.url), change.mirrors)
  return next
}
