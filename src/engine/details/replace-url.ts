import type { Dispatcher } from 'undici'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import type { Settings } from '../../shared/protocol/model.ts'
import { parseDownloadUrl, redactUrl } from '../../shared/protocol/url.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import { duplicateKey, type DuplicateKey } from '../model/duplicate-key.ts'
import { missingRanges, totalBytes } from '../segments/byte-ranges.ts'
import {
  controlPathFor,
  PART_SUFFIX,
  readControlFile,
  writeControlFile,
  type ControlData,
} from '../storage/control-file.ts'
import { buildRequestHeaders } from '../transfer/request-headers.ts'
import { assertSameFile, probeUrl } from './probe-url.ts'
import { join } from 'node:path'

export type ReplaceUrlContext = {
  dispatcher: Dispatcher
  settings: Settings
  /** The download (other than this one) that already has this duplicate key, if any. */
  duplicateOf(key: DuplicateKey): DownloadRecord | null
  /** Called right before the record's URL changes, and right after. */
  urlChanging(): void
  urlChanged(): void
}

const CHANGEABLE: ReadonlySet<string> = new Set(['paused', 'failed'])

/**
 * Gives a paused or failed download a new URL if, and only if, it serves the same file (see
 * `assertSameFile`); otherwise throws the reason and touches nothing. On success the control
 * file is rewritten for the new URL and validators (its durable ranges kept) and the record
 * updated; the caller queues and saves it. Returns the redacted old and new URLs for the log,
 * and the names of credential headers left behind with the old origin.
 */
export async function replaceUrl(
  record: DownloadRecord,
  input: string,
  ctx: ReplaceUrlContext,
): Promise<{ from: string; to: string; droppedHeaders: string[] }> {
  assertChangeable(record)
  const url = parseDownloadUrl(input)
  const key = duplicateKey(url, record.dir, record.requestedName)
  const other = ctx.duplicateOf(key)
  if (other) {
    throw new DownpourError(
      ERROR_CODES.duplicate,
      `another download already has this URL: "${other.name}" (${other.state})`,
    )
  }
  const before = record.url
  const controlPath = record.nameChosen
    ? controlPathFor(join(record.dir, record.name + PART_SUFFIX))
    : null
  const control: ControlData | null = controlPath ? (await readControlFile(controlPath)).data : null
  const durable = control && control.url === redactUrl(record.url) ? control.durable : []
  const size = record.size ?? control?.size ?? null
  const held = totalBytes(durable)
  const probeByte = size !== null ? (missingRanges(durable, size)[0]?.start ?? 0) : 0
  // Credentials given for one site never go to another (as with a redirect): a mirror on
  // another origin gets the download's headers without its Cookie and Authorization.
  const sameOrigin = new URL(record.url).origin === url.origin
  const headers = sameOrigin ? record.headers : withoutCredentials(record.headers)
  const probe = await probeUrl(ctx.dispatcher, url, buildRequestHeaders(ctx.settings, headers), {
    byte: probeByte,
    needRanges: held > 0,
  })
  assertSameFile({ size, etag: record.etag ?? control?.etag ?? null, held }, probe)
  // The user may have resumed or removed it while the server was asked.
  if (record.url !== before) {
    throw new DownpourError(ERROR_CODES.invalidState, 'its URL was changed meanwhile')
  }
  assertChangeable(record)
  if (control && controlPath && held > 0) {
    // First the control file (the bytes stay valid for the new URL), then the record: until the
    // queue is saved a crash may make the next start fetch those bytes again, never lose data.
    await writeControlFile(controlPath, {
      ...control,
      url: redactUrl(url.href),
      size: probe.size ?? control.size,
      etag: probe.etag,
      lastModified: probe.lastModified,
      savedAt: Date.now(),
    })
  }
  const dropped = Object.keys(record.headers).filter((name) => !(name in headers))
  ctx.urlChanging()
  record.url = url.href
  ctx.urlChanged()
  record.headers = headers
  record.finalUrl = probe.finalUrl.href
  // What the new server says is what the next If-Range must carry.
  record.etag = probe.etag
  record.lastModified = probe.lastModified
  record.size = probe.size ?? size
  record.resumable = probe.ranges ?? record.resumable
  record.error = null
  record.failuresInARow = 0
  record.nextRetryAt = null
  return { from: redactUrl(before), to: redactUrl(url.href), droppedHeaders: dropped }
}

const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['cookie', 'authorization'])

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())),
  )
}

function assertChangeable(record: DownloadRecord): void {
  if (!CHANGEABLE.has(record.state)) {
    throw new DownpourError(
      ERROR_CODES.invalidState,
      `only a paused or failed download can get a new URL; this one is ${record.state}`,
    )
  }
}
