import { randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import * as v from 'valibot'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import type { AddRequest } from '../../shared/protocol/model.ts'
import { addRequestSchema, describeIssues } from '../../shared/protocol/schemas.ts'
import { normalizeUrlKey, parseDownloadUrl } from '../../shared/protocol/url.ts'
import { nameFromUrl } from '../naming/suggest-file-name.ts'
import { sanitizeFileName } from '../naming/sanitize-file-name.ts'
import type { DownloadRecord } from './download-record.ts'

/**
 * Validates one add request and builds its record, or throws a DownpourError that names what
 * is wrong (bad URL, unsupported scheme, a path where a file name belongs, …).
 */
export function buildRecord(input: unknown, defaultDir: string, now = Date.now()): DownloadRecord {
  const parsed = v.safeParse(addRequestSchema, input)
  if (!parsed.success)
    throw new DownpourError(ERROR_CODES.invalidArgument, describeIssues(parsed.issues))
  const request: AddRequest = parsed.output
  const url = parseDownloadUrl(request.url)
  const dir = resolve(request.dir ?? defaultDir)
  let requestedName: string | null = null
  if (request.name !== undefined) {
    if (/[/\\]/.test(request.name) || request.name === '.' || request.name === '..') {
      throw new DownpourError(
        ERROR_CODES.invalidArgument,
        `name must be a file name, not a path: ${request.name}`,
      )
    }
    requestedName = sanitizeFileName(request.name)
  }
  const guessed = requestedName ?? sanitizeFileName(nameFromUrl(url) ?? '')
  return {
    id: randomUUID(),
    url: url.href,
    key: duplicateKey(url, dir, requestedName),
    dir,
    requestedName,
    name: guessed,
    nameChosen: false,
    state: request.paused ? 'paused' : 'queued',
    size: null,
    done: 0,
    tries: 0,
    failuresInARow: 0,
    maxTries: request.maxTries ?? null,
    nextRetryAt: null,
    error: null,
    resumable: null,
    etag: null,
    lastModified: null,
    finalUrl: null,
    checksum: request.checksum
      ? { ...request.checksum, hex: request.checksum.hex.toLowerCase() }
      : null,
    headers: request.headers ?? {},
    speedLimit: request.speedLimit ?? 0,
    maxConnections: request.maxConnections ?? null,
    createdAt: now,
    completedAt: null,
  }
}

/** Same normalized URL into the same folder (under the same requested name) is a duplicate. */
export function duplicateKey(url: URL, dir: string, requestedName: string | null): string {
  return `${normalizeUrlKey(url)}\n${dir}\n${requestedName ?? ''}`
}
