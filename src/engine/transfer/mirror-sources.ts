import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import type { ConnectionRange, SourceShare } from '../../shared/protocol/details.ts'
import type { RangeRequest } from './open-range.ts'

/** Failures in a row (network, 5xx) after which a mirror is dropped for this run. */
export const MIRROR_TRIES = 3

/** One place a download's bytes may come from: its URL (index 0) or one of its mirrors. */
export type Source = {
  readonly index: number
  /** As added (userinfo included); `shown` is it without the password. */
  readonly url: string
  readonly shown: string
  readonly host: string
  /** Connections open to it now. */
  connections: number
  /** Bytes its connections received. */
  bytes: number
  /** Failures in a row (a range served resets it). */
  failures: number
  /** Its connections' summed speed when last measured (bytes/s), null before. */
  speed: number | null
  /** It answered a range as the same file: more connections may go to it. */
  proven: boolean
  /** Why it is no longer used, or null while it is. */
  dropped: string | null
}

/**
 * The sources of one segmented download and which one a new connection goes to. The first URL
 * is always usable (its failures are the download's, judged as without mirrors). A mirror gets
 * one connection until an answer of its has proven it serves the same file (mirror-answer.ts:
 * size, ETag, a 206 of the range), then as many as the others: a new connection goes to the
 * usable source with the fewest. A mirror that serves another file, or an error that will not
 * pass (404), is dropped at once; one that fails `MIRROR_TRIES` times in a row, too. Which
 * source gives up a range to which is the planner's, judged per source
 * (segments/source-speeds.ts).
 */
export class MirrorSources {
  readonly #sources: Source[]
  readonly #etag: string | null
  readonly #primaryOrigin: string
  readonly #dropped: Map<string, string>

  /**
   * `dropped`: mirrors dropped in an earlier try of the download's run, with why; they start
   * dropped, and a mirror dropped now is added (a retry of the download does not ask again a
   * mirror that served another file).
   */
  constructor(
    url: string,
    mirrors: readonly string[],
    etag: string | null,
    dropped: Map<string, string> = new Map(),
  ) {
    this.#etag = etag
    this.#dropped = dropped
    this.#primaryOrigin = new URL(url).origin
    this.#sources = [url, ...mirrors].map((u, index) => ({
      index,
      url: u,
      shown: redactUrl(u),
      host: new URL(u).host,
      connections: 0,
      bytes: 0,
      failures: 0,
      speed: null,
      proven: index === 0,
      dropped: index === 0 ? null : (dropped.get(u) ?? null),
    }))
  }

  get primary(): Source {
    return this.#sources[0]!
  }

  all(): readonly Source[] {
    return this.#sources
  }

  /**
   * The source for a new connection: the usable one whose connections are each the fastest
   * (its speed over its connections: a server capped as a whole ends up with connections in
   * proportion to its cap, one capped per connection with as many as it is given); one not
   * measured yet first, so it is; on a tie the one with the fewest connections, then the
   * first URL. An unproven mirror only while none of its connections is open.
   */
  pick(): Source {
    let best = this.#sources[0]!
    let bestScore = score(best)
    for (const source of this.#sources) {
      if (source.dropped !== null) continue
      if (!source.proven && source.connections > 0) continue
      const s = score(source)
      if (s > bestScore || (s === bestScore && source.connections < best.connections)) {
        best = source
        bestScore = s
      }
    }
    return best
  }

  /** How many sources are still used (the URL and the mirrors not dropped). */
  usable(): number {
    let n = 0
    for (const source of this.#sources) if (source.dropped === null) n++
    return n
  }

  /** Its connections' summed speed at a beat (measured ones only). */
  observe(source: Source, speed: number): void {
    source.speed = speed
  }

  opened(source: Source): void {
    source.connections++
  }

  closed(source: Source): void {
    source.connections--
  }

  /**
   * Its connection is done with a range, having received `bytes` of it. Bytes prove a mirror
   * (they flow only after its answer passed mirror-answer.ts); a range taken from it before its
   * answer came (split, stolen, read on into by the first connection) ends with none.
   */
  served(source: Source, bytes: number): void {
    if (bytes <= 0) return
    source.bytes += bytes
    source.failures = 0
    source.proven = true
  }

  /** An answer of its passed mirror-answer.ts (bytes may not have come yet): it is the file. */
  passed(source: Source): void {
    source.proven = true
  }

  /**
   * A mirror's connection failed: the reason it is dropped now, or null while it may be tried
   * again. Never drops the first URL.
   */
  failed(source: Source, error: unknown): string | null {
    if (source.index === 0 || source.dropped !== null) return null
    const e = error instanceof DownpourError ? error : null
    const message = error instanceof Error ? error.message : String(error)
    source.failures++
    const permanent = e !== null && (e.code === ERROR_CODES.differentFile || e.retryable === false)
    if (!permanent && source.failures < MIRROR_TRIES) return null
    source.dropped = permanent ? message : `${message} (${source.failures} failures in a row)`
    this.#dropped.set(source.url, source.dropped)
    return source.dropped
  }

  /** What a connection to `source` asks (its URL; credentials stay with their origin). */
  requestFor(source: Source, base: Omit<RangeRequest, 'range'>): Omit<RangeRequest, 'range'> {
    if (source.index === 0) return base
    const mirror = new URL(source.url)
    let headers = base.headers
    if (mirror.origin !== this.#primaryOrigin) {
      const { authorization: _a, cookie: _c, ...rest } = headers
      headers = rest
    }
    const { finalUrl: _f, ...rest } = base
    return { ...rest, url: source.url, headers, validator: null, mirror: { etag: this.#etag } }
  }

  /** One line per source for the download's log: bytes, and why a dropped one was dropped. */
  summary(): string {
    return this.#sources
      .map((s) => {
        const mib = (s.bytes / (1024 * 1024)).toFixed(1)
        return `${s.index === 0 ? 'URL' : 'mirror'} ${s.host}: ${mib} MiB${s.dropped ? ` (dropped: ${s.dropped})` : ''}`
      })
      .join('; ')
  }
}

/**
 * Whether a connection of `source` on a range from `start` (received up to `pos`) still waits
 * for the first answer of a mirror not proven to serve the same file. Such a connection is never
 * retired (a steal, the first connection reading on, a give-back or hand-over may take its range,
 * not its request): retired, it would leave the mirror unproven with no connection, and the next
 * connection would ask it again before that answer was judged — a second request to a server that
 * may serve another file. It learns at its answer, judged as any, that its range is gone.
 */
export function awaitsJudgment(
  source: Pick<Source, 'index' | 'proven'> | undefined,
  start: number,
  pos: number,
): boolean {
  return source !== undefined && source.index > 0 && !source.proven && pos === start
}

/** Bytes/s one connection of `source` brings (unmeasured: worth trying, so first). */
function score(source: Source): number {
  if (source.speed === null) return Infinity
  return source.speed / Math.max(1, source.connections)
}

/**
 * The details panel's view of a download with mirrors: each open range with its source's host,
 * and each source's bytes (finished ranges, plus what its open ranges received).
 */
export function sourcesProgress(
  ranges: readonly { range: ConnectionRange; source: Source | undefined }[],
  sources: MirrorSources,
): { connections: ConnectionRange[]; sources: SourceShare[] } {
  const inFlight = new Map<Source, number>()
  const connections = ranges.map(({ range, source }) => {
    if (!source) return range
    inFlight.set(source, (inFlight.get(source) ?? 0) + (range.pos - range.start))
    return { ...range, source: source.host }
  })
  return {
    connections,
    sources: sources.all().map((s) => ({
      url: s.shown,
      host: s.host,
      bytes: s.bytes + (inFlight.get(s) ?? 0),
      connections: s.connections,
      dropped: s.dropped,
    })),
  }
}
