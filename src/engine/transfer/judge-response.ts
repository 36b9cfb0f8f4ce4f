import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import { errorForStatus } from './classify-error.ts'
import {
  contentCodings,
  header,
  parseContentLength,
  parseContentRange,
  parseUnsatisfiedRangeTotal,
  strongEtag,
  type IncomingHttpHeaders,
} from './response-headers.ts'
import { sameVersion, validatorOf } from './same-version.ts'

/** What the download holds when the first connection's answer arrives. */
export type HeldFile = {
  size: number | null
  etag: string | null
  lastModified: string | null
  resumable: boolean | null
  /** Bytes on disk (written or durable). */
  bytes: number
}

/** What the first connection asked for. */
export type Asked = {
  /** The first missing byte when bytes are held, else null (a fresh download). */
  from: number | null
  /** Whether the request carried a Range (else the whole file was asked for on purpose). */
  ranged: boolean
}

/** The file's metadata taken from a response that starts (or restarts) the download. */
export type Adopted = {
  size: number | null
  etag: string | null
  lastModified: string | null
  /** null: the server did not say (no Accept-Ranges); extra connections and resumes try. */
  resumable: boolean | null
}

export type ResponseVerdict =
  /** A 416 and every byte is held: nothing to fetch. */
  | { kind: 'complete' }
  /** An error status: drop the response, fail the try with `error`. */
  | { kind: 'fail'; error: DownpourError }
  /** The file changed (another total or version on a 206, a 416): start over, fail the try. */
  | { kind: 'restart'; warn: string; error: DownpourError }
  /** A 206 with bytes other than asked: never written; ask again without a Range. */
  | { kind: 'bad-range'; warn: string }
  /**
   * Read the body: it starts at file offset `at`, is written from `writeFrom` (bytes before are
   * held) and ends at `bodyEnd`. `restart`: throw the held bytes away first. `adopt`: take this
   * metadata. `rangesConfirmed`: a 206 proved the server does ranges.
   */
  | {
      kind: 'body'
      at: number
      writeFrom: number
      bodyEnd: number | null
      restart: boolean
      adopt: Adopted | null
      rangesConfirmed: boolean
      /** The server ignored a Range of the very file we hold: it does not do ranges. */
      rangesIgnored: boolean
      warn: string[]
      info: string[]
    }

/**
 * Decides what the first connection's response means for the file (pure; the transfer acts on
 * the verdict). The "same file?" test is same-version.ts's, shared with every extra connection:
 * a strong ETag, else Last-Modified, then the size.
 */
export function judgeResponse(
  status: number,
  headers: IncomingHttpHeaders,
  url: URL,
  asked: Asked,
  held: HeldFile,
): ResponseVerdict {
  if (status === 416 && asked.from !== null) {
    const total = parseUnsatisfiedRangeTotal(header(headers, 'content-range'))
    if (total !== null && held.size === total && held.bytes >= total) return { kind: 'complete' }
    return {
      kind: 'restart',
      warn: 'server refused the resume range (416); the file seems to have changed, starting over',
      error: new DownpourError(ERROR_CODES.badResponse, 'range not satisfiable; restarting', {
        retryable: true,
      }),
    }
  }
  if (status < 200 || status >= 300) {
    return { kind: 'fail', error: errorForStatus(status, headers, redactUrl(url)) }
  }
  if (status !== 200 && status !== 206) {
    return {
      kind: 'fail',
      error: new DownpourError(
        ERROR_CODES.badResponse,
        `unexpected status ${status} for a download`,
      ),
    }
  }

  const etag = strongEtag(header(headers, 'etag'))
  const lastModified = header(headers, 'last-modified')
  const warn: string[] = []
  const info: string[] = []
  const encoding = header(headers, 'content-encoding')
  const encoded = contentCodings(headers).length > 0
  const validator = asked.from === null ? null : validatorOf(held)
  const length = parseContentLength(header(headers, 'content-length'))

  if (status === 206) {
    const range = parseContentRange(header(headers, 'content-range'))
    const from = asked.from ?? 0
    const changed =
      (held.size !== null && range?.total != null && range.total !== held.size) ||
      !sameVersion(validator, headers)
    if (changed) {
      return {
        kind: 'restart',
        warn: 'the file changed on the server since the last try; starting over',
        error: new DownpourError(ERROR_CODES.badResponse, 'the file changed; restarting', {
          retryable: true,
        }),
      }
    }
    if (encoded) {
      // Compressed bytes are not the file's bytes at that offset (servers and proxies that
      // compress each range answer afresh): never written, whatever the Content-Range says.
      return {
        kind: 'bad-range',
        warn: `server compressed its range answer (Content-Encoding "${encoding}"); its bytes are not the file's, reading the rest on one connection without ranges`,
      }
    }
    if (!range || range.start > from) {
      return {
        kind: 'bad-range',
        warn: `server answered a different range (${header(headers, 'content-range') ?? 'none'}) than asked (from ${from}); reading the rest on one connection without ranges`,
      }
    }
    if (range.start < from) {
      warn.push(
        `server answered a different range (${header(headers, 'content-range')}) than asked (from ${from}); skipping to the first missing byte`,
      )
    }
    return {
      kind: 'body',
      at: range.start,
      writeFrom: from,
      bodyEnd: range.end,
      restart: false,
      adopt:
        asked.from === null
          ? { size: range.total, etag, lastModified, resumable: range.total !== null }
          : null,
      rangesConfirmed: true,
      rangesIgnored: false,
      warn,
      info,
    }
  }

  // 200: the whole file from byte 0.
  if (encoded) {
    warn.push(
      `server sent Content-Encoding "${encoding}" although identity was asked; saving the bytes as sent`,
    )
  }
  // A compressed body is one piece: a range of it (or of the file) cannot continue it, so it is
  // neither split nor resumed, and held bytes (the file's own, as far as we know) are not
  // continued with it.
  const advertised = encoded ? false : rangesAdvertised(header(headers, 'accept-ranges'))
  let resumable = advertised
  let restart = false
  let rangesIgnored = false
  if (asked.from !== null) {
    const same =
      !encoded && validator !== null && sameVersion(validator, headers) && length === held.size
    if (!asked.ranged && same) {
      // Asked for the whole file on purpose (the server's ranges are wrong): keep what we hold.
      return {
        kind: 'body',
        at: 0,
        writeFrom: asked.from,
        bodyEnd: length,
        restart: false,
        adopt: null,
        rangesConfirmed: false,
        rangesIgnored: false,
        warn,
        info,
      }
    }
    const changed = !encoded && !same && validator !== null
    warn.push(
      encoded
        ? `the compressed answer cannot continue the ${held.bytes} bytes held; downloading it again from the start`
        : changed
          ? 'the file changed on the server (validators differ); downloading it again from the start'
          : asked.ranged
            ? 'server ignored the Range request; downloading again from the start'
            : 'no validator tells whether the file is the one we hold; downloading it again from the start',
    )
    // A changed file is as resumable as the server's ranges are; a server that ignored the
    // Range of an unchanged file does not do ranges.
    resumable = changed ? (advertised ?? held.resumable) : false
    rangesIgnored = resumable === false && !encoded
    restart = true
  }
  if (length === null) {
    info.push(
      advertised === true
        ? 'server did not send the size (chunked): a lost connection is continued with a Range, a pause starts it over'
        : 'server did not send the size (chunked); this download cannot resume if interrupted',
    )
  }
  return {
    kind: 'body',
    at: 0,
    writeFrom: 0,
    bodyEnd: length,
    restart,
    adopt: { size: length, etag, lastModified, resumable },
    rangesConfirmed: false,
    rangesIgnored,
    warn,
    info,
  }
}

/** `Accept-Ranges`: bytes → true, none (or another unit) → false, absent → null (unknown). */
export function rangesAdvertised(value: string | null): boolean | null {
  if (value === null || value.trim() === '') return null
  return /\bbytes\b/i.test(value)
}
