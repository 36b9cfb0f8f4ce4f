import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import type { ConnectionRange, SourceShare } from '../../shared/protocol/details.ts'
import type { RangeRequest } from './open-range.ts'

/** Failures in a row (network, 5xx) after which a mirror is dropped for this run. */
export const MIRROR_TRIES = 3
/**
 * A source's connection count grows only while its total grows by this much (its bytes/s over
 * the count before the growth): a server capped as a whole shows ~1.0 however many connections
 * ask, one capped per connection 2–4 for two to four times as many. Higher than the download
 * ramp's MIN_GAIN (connection-ramp.ts): one server's total is a smaller, noisier figure, and on
 * a loaded machine a 1.15 threshold let noise grow a 256 KiB/s server to 16 connections.
 */
export const SOURCE_GAIN = 1.25
/**
 * How long a source's total is measured at a steady count (every connection opened and
 * delivering) before its growth is judged, ms: ten of the ramp's beats.
 */
export const SOURCE_WINDOW_MS = 1000
/** A source's first growth, from one connection (connection-ramp.ts, FIRST_GROWTH); later ×2. */
export const SOURCE_FIRST_GROWTH = 4

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
  /** Its total bytes/s at a steady count when last measured, null before. */
  speed: number | null
  /** Connections it should have (SourceRamp): grown while its total grows. */
  target: number
  /** A growth brought no more total: it keeps `target` for good. */
  capped: boolean
  /** The count before its last growth and the total it brought, until the growth is judged. */
  grownFrom: { count: number; rate: number } | null
  /** Since when its count is steady and what it had received then (null: not steady). */
  steady: { at: number; bytes: number; count: number } | null
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
      target: 1,
      capped: false,
      grownFrom: null,
      steady: null,
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
   * The source for a new connection: the usable one furthest below its own count (`target`,
   * grown by `beat` while its total grows), then the one with the fewest connections, then the
   * first URL. An unproven mirror only while none of its connections is open. A server capped
   * as a whole stops at the count its total stopped growing at, however fast each connection
   * of another looks.
   */
  pick(): Source {
    let best = this.#sources[0]!
    for (const source of this.#sources) {
      if (source.dropped !== null) continue
      if (!source.proven && source.connections > 0) continue
      const room = source.target - source.connections
      const bestRoom = best.target - best.connections
      if (room > bestRoom || (room === bestRoom && source.connections < best.connections)) {
        best = source
      }
    }
    return best
  }

  /** Connections the usable sources should have together (each its `target`), at most `max`. */
  target(max: number): number {
    let n = 0
    for (const source of this.#sources) if (source.dropped === null) n += source.target
    return Math.min(n, max)
  }

  /**
   * One beat of each source's own ramp. `received`: each source's bytes so far (finished ranges
   * and what its open ranges got) and how many of its open ranges have brought nothing yet.
   * A source whose connections are all open and delivering is measured over SOURCE_WINDOW_MS
   * (at least: until its count holds that long);
   * then, when `judge` (the beat says something of the network: not the limiter's or the
   * disk's pace), its count grows (×4 from one, then ×2, within `max` for all) while the
   * growth brought SOURCE_GAIN more total, and goes back to the count before for good when it
   * did not. Returns the sources now over their count: the caller closes their extras.
   */
  beat(
    now: number,
    received: ReadonlyMap<Source, { bytes: number; waiting: number }>,
    judge: boolean,
    max: number,
  ): Source[] {
    const over: Source[] = []
    for (const source of this.#sources) {
      if (source.dropped !== null || !source.proven) continue
      const got = received.get(source) ?? { bytes: source.bytes, waiting: 0 }
      // The measure starts once every connection is open and has brought bytes (a far server
      // answers after a round trip), and goes on while the count holds: a connection between
      // two ranges waits for its next answer, which is part of what the count delivers.
      if (source.connections < source.target || source.steady?.count !== source.connections) {
        const ready = source.connections >= source.target && got.waiting === 0
        source.steady = ready ? { at: now, bytes: got.bytes, count: source.connections } : null
        continue
      }
      const elapsed = now - source.steady.at
      if (elapsed < SOURCE_WINDOW_MS) continue
      const rate = ((got.bytes - source.steady.bytes) * 1000) / elapsed
      source.speed = rate
      if (!judge || source.capped) continue
      const from = source.grownFrom
      if (from && rate < SOURCE_GAIN * from.rate) {
        source.target = from.count
        source.capped = true
        source.grownFrom = null
        if (source.connections > source.target) over.push(source)
        continue
      }
      // The growth paid (or this is the first measure): grow again while the download may.
      source.grownFrom = null
      const room = max - this.target(Infinity)
      if (room <= 0) continue
      const step = source.target === 1 ? SOURCE_FIRST_GROWTH : source.target * 2
      source.grownFrom = { count: source.target, rate }
      source.target = Math.min(step, source.target + room)
      source.steady = null
    }
    return over
  }

  /**
   * Whether `source` grew as far as the download allows with each growth paying (a server that
   * shapes per connection): only then are its connections judged as laggards and replaced. Not
   * while its count is being judged (a replacement changes the count, and the measure starts
   * over: a loaded machine's stalls made one "laggard" after another, and no growth was ever
   * judged), nor once a growth brought nothing (capped as a whole: a fresh connection brings the
   * same share of the same cap).
   */
  settled(source: Source): boolean {
    return source.proven && !source.capped && source.grownFrom === null && source.speed !== null
  }

  /**
   * Another source finishes `source`'s ranges sooner (it stole one): one connection fewer
   * there, for good (never below one), and no more growth.
   */
  shrink(source: Source): void {
    source.target = Math.max(1, Math.min(source.target, source.connections) - 1)
    source.capped = true
    source.grownFrom = null
  }

  /** How many sources are still used (the URL and the mirrors not dropped). */
  usable(): number {
    let n = 0
    for (const source of this.#sources) if (source.dropped === null) n++
    return n
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
    // One that answers ranges with the whole file is no use to the segments, but may still
    // serve the file to a try on one connection (mirror-fallback.ts): not remembered as dropped.
    if (e?.code !== ERROR_CODES.notResumable) this.#dropped.set(source.url, source.dropped)
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
