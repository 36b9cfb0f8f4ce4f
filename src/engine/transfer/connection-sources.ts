// Job: which source (the URL or a mirror) each connection of a segmented download fetches from,
// how each source is doing, and what a mirror's failure does. SegmentedFetch asks here when it
// opens, ends or judges a connection; the choices themselves are MirrorSources' (mirror-sources.ts).
import type { ConnectionRange, SourceShare } from '../../shared/protocol/details.ts'
import { awaitsJudgment, MirrorSources, sourcesProgress, type Source } from './mirror-sources.ts'
import { Retired } from './segmented-fetch-options.ts'

/** A segment as the source bookkeeping sees it: its bounds, speed and connection. */
export type OwnedRange = {
  owner: AbortController | undefined
  start: number
  pos: number
  end: number
  speed?: number
}

/**
 * The sources of one segmented download with mirrors, and each connection's source (one for
 * its life). Without mirrors SegmentedFetch holds none of this.
 */
export class ConnectionSources {
  readonly #sources: MirrorSources
  readonly #sourceOf = new Map<AbortController, Source>()
  /** The probe's connection: never closed as an extra (its body may be the only way in). */
  #probe: AbortController | null = null

  constructor(
    url: string,
    mirrors: readonly string[],
    etag: string | null,
    dropped: Map<string, string>,
  ) {
    this.#sources = new MirrorSources(url, mirrors, etag, dropped)
  }

  /** The source the next extra connection should fetch from (MirrorSources.pick). */
  next(): Source {
    return this.#sources.pick()
  }

  /** A new connection's source: the probe's (`picked` null) is the URL, an extra one's `next()`. */
  open(retire: AbortController, picked: Source | null): Source {
    const source = picked ?? this.#sources.primary
    if (!picked) this.#probe = retire
    this.#sources.opened(source)
    this.#sourceOf.set(retire, source)
    return source
  }

  close(retire: AbortController): void {
    const source = this.#sourceOf.get(retire)
    if (!source) return
    this.#sources.closed(source)
    this.#sourceOf.delete(retire)
  }

  of(owner: AbortController | undefined): Source | undefined {
    return owner && this.#sourceOf.get(owner)
  }

  /**
   * The connection count to hold: each usable source's own count (MirrorSources.beat: grown
   * while its total grows), within the download's maximum; the ramp's alone once the first URL
   * is the only source left. The ramp judges the download's total speed, which says nothing of
   * one source: it once closed every helper and left the file to a 2 MiB/s URL while an 8 MiB/s
   * mirror sat idle, and its laggard rule, comparing each connection of a server capped as a
   * whole with one of a faster server, replaced connections by the dozen (80–100 a run).
   */
  target(rampTarget: number, maxConnections: number): number {
    if (this.#sources.usable() <= 1) return rampTarget
    return this.#sources.target(maxConnections)
  }

  /**
   * A ramp beat: each source's bytes so far (finished ranges and its open ones') feed its own
   * ramp (MirrorSources.beat), a mirror whose range has bytes is proven (bytes flow only after
   * its answer passed), and a source whose growth brought nothing closes its extra connections
   * (the last opened first, never the probe's or one awaiting a mirror's first answer): their
   * ranges go back to the gaps.
   */
  beat(now: number, ranges: readonly OwnedRange[], judge: boolean, maxConnections: number): void {
    const received = new Map<Source, { bytes: number; waiting: number }>()
    for (const source of this.#sources.all())
      received.set(source, { bytes: source.bytes, waiting: 0 })
    for (const r of ranges) {
      const source = this.of(r.owner)
      if (!source) continue
      const got = received.get(source)!
      if (r.pos > r.start) {
        this.#sources.passed(source)
        got.bytes += r.pos - r.start
      } else got.waiting++
    }
    const over = this.#sources.beat(now, received, judge, maxConnections)
    for (const source of over) {
      let extra = source.connections - source.target
      const closing = new Retired('more connections to its server brought no more speed')
      const owners = [...this.#sourceOf].reverse()
      for (const [retire, s] of owners) {
        if (extra <= 0) break
        if (s !== source || retire === this.#probe || retire.signal.aborted) continue
        const range = ranges.find((r) => r.owner === retire)
        if (range && awaitsJudgment(s, range.start, range.pos)) continue
        retire.abort(closing)
        extra--
      }
    }
  }

  /**
   * Which connections `owner` is judged among for laggards (ramp-beat.ts): its source's index,
   * or null while its source's count is being judged or found capped as a whole (none of its
   * connections is a laggard then; see MirrorSources.settled).
   */
  laggardGroup(owner: AbortController | undefined): number | null {
    const source = this.of(owner)
    if (!source) return 0
    return this.#sources.settled(source) ? source.index : null
  }

  /**
   * A connection of another source took `victim`'s rest (a steal): the victim's source holds
   * one connection fewer from now on (MirrorSources.shrink) — reopened there, it took the next
   * split and was robbed in turn, once per steal to the end of the file.
   */
  robbed(victim: AbortController | undefined, thief: AbortController): void {
    const lost = this.of(victim)
    if (lost && lost !== this.of(thief)) this.#sources.shrink(lost)
  }

  /** See awaitsJudgment (mirror-sources.ts). */
  awaitsJudgment(owner: AbortController | undefined, start: number, pos: number): boolean {
    return awaitsJudgment(this.of(owner), start, pos)
  }

  /** Its connection got a range answer that passed mirror-answer.ts. */
  passed(source: Source): void {
    this.#sources.passed(source)
  }

  /** Its connection is done with a range, having received `bytes` of it. */
  served(owner: AbortController | undefined, bytes: number): void {
    const source = this.of(owner)
    if (source) this.#sources.served(source, bytes)
  }

  /**
   * A mirror's connection failed. Dropped (it serves another file, a status that will not
   * change, or failures in a row): its other connections end too, their ranges go back to the
   * gaps for the other sources, and `log` and `onDropped` say why. Either way the failure is not
   * the download's (no back-off, not its last error): returned as the reason the connection
   * retired.
   */
  failed(
    source: Source,
    error: unknown,
    onDropped: (host: string, reason: string) => void,
  ): Retired {
    const reason = this.#sources.failed(source, error)
    if (reason === null) return new Retired('its mirror failed; it may be tried again')
    onDropped(source.host, reason)
    const dropped = new Retired(`its mirror was dropped: ${reason}`)
    for (const [retire, s] of this.#sourceOf) if (s === source) retire.abort(dropped)
    return dropped
  }

  /** What a connection to `source` asks (MirrorSources.requestFor). */
  requestFor: MirrorSources['requestFor'] = (source, base) => this.#sources.requestFor(source, base)

  /** The details panel's map: each open range with its source, each source's bytes. */
  progress(ranges: readonly { range: ConnectionRange; owner: AbortController | undefined }[]): {
    connections: ConnectionRange[]
    sources: SourceShare[]
  } {
    return sourcesProgress(
      ranges.map(({ range, owner }) => ({ range, source: this.of(owner) })),
      this.#sources,
    )
  }

  summary(): string {
    return this.#sources.summary()
  }
}
